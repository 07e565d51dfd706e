import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { PaymentCodeIssued, StoredEvent } from '@zan/contracts';
import { isMerchant } from '@zan/domain';
import { CLOCK, type Clock, ZAN_SECRETS, type ZanSecrets, unguessableId } from '@zan/platform';
import { type CommandContext, eventIdsOf, metadataOf } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { PaymentCodeStreams, codeIdOf } from '../../command-path/payment-code-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import type { PaymentCodeIssuedDoc } from './issue-payment-code.dto';

export class IssuePaymentCodeCommand extends Command<PaymentCodeIssuedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly amount: number | undefined,
    readonly expiresInSeconds: number | undefined,
    readonly reference: string | undefined,
  ) {
    super();
  }
}

@CommandHandler(IssuePaymentCodeCommand)
export class IssuePaymentCodeHandler implements ICommandHandler<IssuePaymentCodeCommand> {
  constructor(
    private readonly codes: PaymentCodeStreams,
    private readonly wallets: WalletStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ZAN_SECRETS) private readonly secrets: ZanSecrets,
  ) {}

  async execute({ context, amount, expiresInSeconds, reference }: IssuePaymentCodeCommand): Promise<PaymentCodeIssuedDoc> {
    const merchantId = context.userId;
    const { commandId } = context;
    // Whoever knows a code can pay it: keyed, so the merchant and Idempotency-Key alone do not give it
    // away; a retry with the same key still finds the same code.
    const code = unguessableId(this.secrets.idKey, 'payment-code', merchantId, commandId);
    const codeId = codeIdOf(code);
    // A merchant stays one until an admin rejects it, maybe on another replica: a cached state answers
    // only while the store confirmed it moments ago (FRESH_MS).
    const merchant = isMerchant((await this.wallets.load(merchantId, { whileFresh: isMerchant })).state);
    const now = this.clock.now();
    const done = await this.codes.decide(
      codeId,
      {
        type: 'IssuePaymentCode',
        data: { codeId, merchantId, merchant, now: now.toISOString(), amount, expiresInSeconds, reference },
      },
      metadataOf(context, commandId),
      eventIdsOf(commandId),
      { recovering: context.idempotency?.recovering ?? false, now, context: this.wallets.decideContext },
    );
    // The stored terms (a retry answers what the first attempt issued).
    const issued = (done.events.find((event) => event.type === 'PaymentCodeIssued') as StoredEvent<PaymentCodeIssued> | undefined)?.data ?? done.state;
    return {
      code,
      amount: issued.amount ?? null,
      expiresAt: issued.expiresAt ?? null,
      reference: issued.reference ?? null,
      position: positionOf(done),
    };
  }
}
