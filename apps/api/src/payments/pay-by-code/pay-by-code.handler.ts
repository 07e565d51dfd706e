import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { MerchantPaid, StoredEvent } from '@zan/contracts';
import { PaymentCodeGone, isMerchant, type CodeToPay } from '@zan/domain';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { deterministicId } from '../../command-path/ids';
import { PaymentCodeStreams, codeIdOf } from '../../command-path/payment-code-streams';
import { WalletStreams } from '../../command-path/wallet-streams';
import type { MerchantPaidDoc } from './pay-by-code.dto';

export class PayByCodeCommand extends Command<MerchantPaidDoc> {
  constructor(
    readonly context: CommandContext,
    readonly code: string,
    readonly amount: number | undefined,
  ) {
    super();
  }
}

/**
 * The saga of a payment by code (docs/architecture.md, "Paying by code"): the payer's wallet decides
 * the debit (MerchantPaid) on what the code looked like; for a dynamic code the code stream then
 * decides single use (PaymentCodeRedeemed), inline here and again by the credits process manager
 * after a crash; the loser of a race gets its money back (MerchantPaymentReturned) and a 410. The
 * merchant is credited by the process manager (MerchantPaymentReceived).
 */
@CommandHandler(PayByCodeCommand)
export class PayByCodeHandler implements ICommandHandler<PayByCodeCommand> {
  constructor(
    private readonly codes: PaymentCodeStreams,
    private readonly wallets: WalletStreams,
  ) {}

  async execute({ context, code, amount }: PayByCodeCommand): Promise<MerchantPaidDoc> {
    const payerId = context.userId;
    const { commandId } = context;
    const paymentId = deterministicId(commandId, 'payment');
    const codeId = codeIdOf(code);
    const terms = (await this.codes.load(codeId)).state;
    const toPay: CodeToPay = {
      exists: terms.exists,
      codeId: terms.codeId,
      merchantId: terms.merchantId,
      amount: terms.amount,
      expiresAt: terms.expiresAt,
      reference: terms.reference,
      used: terms.redeemedBy !== undefined,
      merchant: false,
    };
    // Whether the merchant is still one, read before each decision of the payment (one made again after
    // a conflict included): an admin may reject it, maybe on another replica. A cached reading stands
    // while the store confirmed it moments ago (FRESH_MS).
    const readMerchant = async () => {
      const { merchantId } = terms;
      toPay.merchant = merchantId === undefined ? false : isMerchant((await this.wallets.load(merchantId, { whileFresh: isMerchant })).state);
    };
    const done = await this.wallets.decide(
      payerId,
      { type: 'PayMerchant', data: { paymentId, payerId, code: toPay, ...(amount !== undefined && { amount }) } },
      context,
      commandId,
      undefined,
      { readFacts: readMerchant },
    );
    const paid = done.events.find((event) => event.type === 'MerchantPaid') as StoredEvent<MerchantPaid>;
    if (paid.data.dynamic) {
      const settlement = await this.codes.settle(paid);
      if (!settlement.redeemed) throw new PaymentCodeGone(`${settlement.detail}; your ${paid.data.amount} fen went back to your wallet`);
    }
    return {
      paymentId: paid.data.paymentId,
      merchantId: paid.data.merchantId,
      amount: paid.data.amount,
      reference: paid.data.reference ?? null,
      balance: done.state.balance,
      position: positionOf(done),
    };
  }
}
