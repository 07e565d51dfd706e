import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { headerOf } from '../../http/api-request';
import type { WithRawBody } from '../../http/json-body';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { Public } from '../../auth/auth.guard';
import type { CommandContext } from '../../command-path/command-context';
import { ApiProblems } from '../../http/openapi';
import { ProblemException, problem } from '../../http/problem';
import { ProviderCallbackBody, providerDecisionOf } from './provider-callback.dto';
import { RecordProviderDecisionCommand } from './provider-callback.handler';

const unauthorized = (detail: string) => new ProblemException(problem(401, 'unauthorized', 'Unauthorized', detail));

@ApiTags('verification')
@Controller('v1/verification-callbacks')
export class ProviderCallbackController {
  private readonly callbackSecret: string | undefined;

  constructor(
    private readonly commands: CommandBus,
    @Inject(ZAN_CONFIG) config: ZanConfig,
  ) {
    this.callbackSecret = config.kyc.provider === 'http' ? config.kyc.callbackSecret : undefined;
  }

  @Post()
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: "The verification provider's answer, signed: X-Zan-Signature is the hex HMAC-SHA256 of the raw body under ZAN_KYC_CALLBACK_SECRET" })
  @ApiHeader({ name: 'X-Zan-Signature', required: true, description: 'hex HMAC-SHA256 of the raw body (a sha256= prefix is accepted)' })
  @ApiBody({ type: ProviderCallbackBody })
  @ApiNoContentResponse({ description: 'Recorded, or nothing to do (a replay, a stale answer, an answer after an admin decided)' })
  @ApiProblems('unauthorized', 'validation')
  async callback(@Req() request: FastifyRequest & WithRawBody): Promise<void> {
    this.requireSignature(request);
    const correlation = headerOf(request, 'x-correlation-id');
    const correlationId = correlation && /^[A-Za-z0-9._:-]{1,128}$/.test(correlation) ? correlation : randomUUID();
    // Its events' ids derive from the verification it answers (the handler's), not from this id.
    const context: CommandContext = { userId: 'system:kyc', correlationId, commandId: randomUUID() };
    await this.commands.execute(new RecordProviderDecisionCommand(context, providerDecisionOf(request.body)));
  }

  /** Before the body is even read: a callback not signed with the shared secret is a 401 and changes nothing. */
  private requireSignature(request: FastifyRequest & WithRawBody): void {
    if (this.callbackSecret === undefined) throw unauthorized('no verification provider calls back here (ZAN_KYC_PROVIDER is local)');
    const given = /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(headerOf(request, 'x-zan-signature') ?? '');
    if (!given || !request.rawBody) throw unauthorized('missing or malformed X-Zan-Signature');
    const expected = createHmac('sha256', this.callbackSecret).update(request.rawBody).digest();
    if (!timingSafeEqual(expected, Buffer.from(given[1]!, 'hex'))) throw unauthorized('X-Zan-Signature does not match the body');
  }
}
