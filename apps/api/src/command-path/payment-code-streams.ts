import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { paymentCodeStream, type EventMetadata, type MerchantPaid, type StoredEvent } from '@zan/contracts';
import { PaymentCodeGone, isDynamic, paymentCodeDecider, type DecideContext, type PaymentCodeCommand, type PaymentCodeState } from '@zan/domain';
import { CommandRunner } from './command-runner';
import type { Executed, Loaded } from './execution';
import { deterministicIds } from './ids';
import { WalletStreams } from './wallet-streams';

/**
 * A code's stream is named by the SHA-256 of the code, never by the code: stream ids travel on
 * Kafka, in exports and in logs, and whoever knows a code can pay it. The code holds 122 bits of an
 * HMAC (unguessableId), so its hash gives nothing away and needs no key of its own.
 */
export const codeIdOf = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

/** What became of a payment by a dynamic code: it took the code, or the code was gone by then. */
export type Settlement = { redeemed: true } | { redeemed: false; reason: 'code-used' | 'code-expired'; detail: string };

/** Deciding payment code commands on `payment-code-<codeId>` streams, and settling payments by code. */
@Injectable()
export class PaymentCodeStreams {
  constructor(
    private readonly runner: CommandRunner,
    private readonly wallets: WalletStreams,
  ) {}

  /**
   * A code as a payment sees it. A static code never changes and a used one stays used, so a cached
   * state of either is answered without a read; an unknown or unused dynamic code is read.
   */
  load(codeId: string): Promise<Loaded<PaymentCodeState>> {
    return this.runner.load(paymentCodeStream(codeId), paymentCodeDecider, {
      settled: (state) => state.exists && (!isDynamic(state) || state.redeemedBy !== undefined),
    });
  }

  decide(
    codeId: string,
    command: PaymentCodeCommand,
    metadata: EventMetadata,
    eventId: (index: number) => string,
    options: { recovering?: boolean; now?: Date; context?: DecideContext } = {},
  ): Promise<Executed<PaymentCodeState>> {
    return this.runner.executeOnce({
      command: command.type,
      streamId: paymentCodeStream(codeId),
      folder: paymentCodeDecider,
      decide: (state) => paymentCodeDecider.decide(command, state, options.context),
      metadata,
      eventId,
      now: options.now,
      recovering: options.recovering ?? false,
    });
  }

  /**
   * The second leg of a MerchantPaid of a dynamic code: the code stream decides single use. Run
   * inline by the api (so the payer hears 201 or 410) and by the credits process manager (so a
   * crash in between never strands the money); both decide the same (see RedeemPaymentCode), and
   * the event id derived from the payment's makes the redemption happen once. When the code was
   * taken by another payment meanwhile, the payer's money goes back (MerchantPaymentReturned), once.
   */
  async settle(paid: StoredEvent<MerchantPaid>): Promise<Settlement> {
    const d = paid.data;
    const metadata = { ...paid.metadata, causationId: paid.id };
    try {
      await this.decide(
        d.codeId,
        { type: 'RedeemPaymentCode', data: { paymentId: d.paymentId, payerId: d.payerId, amount: d.amount, paidAt: paid.occurredAt } },
        metadata,
        deterministicIds(paid.id, 'redeem'),
      );
      return { redeemed: true };
    } catch (error) {
      if (!(error instanceof PaymentCodeGone)) throw error;
      // As RedeemPaymentCode decides: a code taken is 'used' before it is 'expired'.
      const code = (await this.load(d.codeId)).state;
      const reason = code.redeemedBy !== undefined ? 'code-used' : 'code-expired';
      // Its own id label: a return and the merchant's credit are two different credits of one cause.
      await this.wallets.credit(
        paid,
        d.payerId,
        {
          type: 'MerchantPaymentReturned',
          data: { paymentId: d.paymentId, payerId: d.payerId, merchantId: d.merchantId, amount: d.amount, reason },
        },
        'return',
      );
      return { redeemed: false, reason, detail: error.message };
    }
  }
}
