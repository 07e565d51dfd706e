import { Inject, Injectable } from '@nestjs/common';
import type { DomainError } from '@zan/domain';
import { CLOCK, type Clock } from '@zan/platform';
import type { CommandRequest } from '../../command-path/command-context';
import { RedPacketStreams } from '../../command-path/red-packet-streams';
import type { UpFrontRefusal } from '../../http/idempotent-route';
import { RED_PACKET_ID } from '../red-packet-id';

/**
 * A claim on a packet this api knows to be gone (or already claimed by the caller, or not theirs),
 * refused before its command runs: 9,900 of a hot packet's 10,000 claimers hear this. Only a final
 * refusal (see RedPacketStreams.finalRefusal): the answer the command would give too.
 */
@Injectable()
export class ClaimRefusedUpFront implements UpFrontRefusal {
  constructor(
    private readonly packets: RedPacketStreams,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  refusalOf(request: CommandRequest): DomainError | undefined {
    const id = (request.params as { id?: unknown }).id;
    // Bad input (an id that cannot be a packet's, a body) is the route's to answer, in its order.
    if (typeof id !== 'string' || !RED_PACKET_ID.test(id) || !isEmptyBody(request.body)) return undefined;
    return this.packets.finalRefusal(id, request.raw.principal.userId, this.clock.now());
  }
}

const isEmptyBody = (body: unknown): boolean =>
  body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);
