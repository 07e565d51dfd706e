import fc from 'fast-check';
import { DEFAULT_LIMITS, walletBalanceDelta, type DomainEvent, type MerchantPaid } from '@zan/contracts';
import { auditLedger, type AuditedEvent } from './audit/ledger-audit';
import { fold } from './decider';
import { DomainError, PaymentCodeGone } from './errors';
import { paymentCodeDecider } from './payment-code/payment-code.decider';
import { T0, at, funded, verificationRequested, walletOpened, walletVerified } from './testing/fixtures';
import { PROPERTY_PARAMS } from './testing/property';
import { walletDecider } from './wallet/wallet.decider';

const CODE_ID = 'c'.repeat(64);
const CODE_STREAM = `payment-code-${CODE_ID}`;
const AMOUNT = 700;

/**
 * The saga of payments by one dynamic code, as the api and the credits process manager run it, over
 * an event log that refuses a second event with the same id (as every store does): each payer reads
 * the code, is debited on what it read (MerchantPaid), then settles inline (redeem, or get the money
 * back); the process manager reacts to every MerchantPaid, any number of times, at any moment after
 * it is stored. Whatever the interleaving, one payment at most takes the code, the merchant is
 * credited once for it, every other payer gets exactly their debit back, and money is conserved.
 */
class Log {
  readonly events: AuditedEvent[] = [];
  private readonly ids = new Set<string>();

  stream(streamId: string): AuditedEvent[] {
    return this.events.filter((event) => event.streamId === streamId);
  }

  append(streamId: string, id: string, decided: DomainEvent[], causationId?: string): boolean {
    if (this.ids.has(id)) return false;
    const revision = this.stream(streamId).length;
    decided.forEach((event, index) => {
      this.ids.add(index === 0 ? id : `${id}/${index}`);
      this.events.push({
        id: index === 0 ? id : `${id}/${index}`,
        type: event.type,
        streamId,
        revision: revision + index,
        data: event.data,
        metadata: { causationId },
      });
    });
    return true;
  }
}

type Payer = { id: string; step: 'read' | 'debit' | 'settle' | 'done'; used?: boolean; paid?: AuditedEvent };

const setup = (log: Log, payers: string[], balances: number[]): void => {
  log.append(CODE_STREAM, 'issued', [{ type: 'PaymentCodeIssued', data: { codeId: CODE_ID, merchantId: 'shop', amount: AMOUNT, expiresAt: at(T0, 300_000) } }]);
  log.append('wallet-shop', 'shop-open', [walletOpened('shop', 'business'), verificationRequested('shop', { kind: 'business' }), walletVerified('shop')]);
  payers.forEach((id, i) =>
    log.append(`wallet-${id}`, `${id}-open`, [walletOpened(id), ...(balances[i]! > 0 ? [funded(id, balances[i]!, 'card-1', `f-${id}`)] : [])]),
  );
};

/** Redeem the code for a MerchantPaid, else give the payer the money back; answers whether the payment took the code. */
const settle = (log: Log, paid: AuditedEvent): boolean => {
  const d = paid.data as MerchantPaid;
  const state = fold(paymentCodeDecider, log.stream(CODE_STREAM));
  try {
    const decided = paymentCodeDecider.decide(
      { type: 'RedeemPaymentCode', data: { paymentId: d.paymentId, payerId: d.payerId, amount: d.amount, paidAt: at(T0, 1000) } },
      state,
    );
    log.append(CODE_STREAM, `${paid.id}:redeem`, decided, paid.id);
    return true;
  } catch (error) {
    if (!(error instanceof PaymentCodeGone)) throw error;
    const credit = {
      type: 'MerchantPaymentReturned' as const,
      data: { paymentId: d.paymentId, payerId: d.payerId, merchantId: d.merchantId, amount: d.amount, reason: 'code-used' as const },
    };
    const wallet = fold(walletDecider, log.stream(`wallet-${d.payerId}`));
    log.append(
      `wallet-${d.payerId}`,
      `${paid.id}:return`,
      walletDecider.decide({ type: 'CreditWallet', data: { userId: d.payerId, credit } }, wallet),
      paid.id,
    );
    return false;
  }
};

/** The credits process manager's reaction to a MerchantPaid (dynamic): settle, then credit the merchant. */
const react = (log: Log, paid: AuditedEvent): void => {
  if (!settle(log, paid)) return;
  const d = paid.data as MerchantPaid;
  const credit = { type: 'MerchantPaymentReceived' as const, data: { paymentId: d.paymentId, payerId: d.payerId, merchantId: d.merchantId, amount: d.amount } };
  const wallet = fold(walletDecider, log.stream('wallet-shop'));
  log.append('wallet-shop', `${paid.id}:credit`, walletDecider.decide({ type: 'CreditWallet', data: { userId: 'shop', credit } }, wallet), paid.id);
};

const step = (log: Log, payer: Payer): void => {
  switch (payer.step) {
    case 'read':
      payer.used = fold(paymentCodeDecider, log.stream(CODE_STREAM)).redeemedBy !== undefined;
      payer.step = 'debit';
      return;
    case 'debit': {
      const code = { exists: true, codeId: CODE_ID, merchantId: 'shop', amount: AMOUNT, expiresAt: at(T0, 300_000), used: payer.used ?? false, merchant: true };
      const wallet = fold(walletDecider, log.stream(`wallet-${payer.id}`));
      try {
        const decided = walletDecider.decide({ type: 'PayMerchant', data: { paymentId: `pay-${payer.id}`, payerId: payer.id, code } }, wallet, {
          limits: DEFAULT_LIMITS,
          now: at(T0, 1000),
        });
        log.append(`wallet-${payer.id}`, `pay-${payer.id}`, decided);
        payer.paid = log.events[log.events.length - 1];
        payer.step = 'settle';
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        payer.step = 'done'; // refused (the code seen used, or not enough money): nothing stored
      }
      return;
    }
    case 'settle':
      settle(log, payer.paid!);
      payer.step = 'done';
      return;
    default:
      return;
  }
};

describe('payments by one dynamic code, under any interleaving (property)', () => {
  it('take the code once, credit the merchant once, return every other debit, and conserve money', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 })), { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ actor: fc.nat(), pm: fc.boolean() }), { maxLength: 60 }),
        (balances, schedule) => {
          const ids = balances.map((_, i) => `p${i}`);
          const log = new Log();
          setup(log, ids, balances);
          const payers: Payer[] = ids.map((id) => ({ id, step: 'read' }));
          const fundings = balances.reduce((a, b) => a + b, 0);
          for (const { actor, pm } of schedule) {
            const paid = log.events.filter((event) => event.type === 'MerchantPaid');
            // The process manager reacts (or reacts again: a redelivery) to a stored payment at any moment.
            if (pm && paid.length > 0) react(log, paid[actor % paid.length]!);
            else step(log, payers[actor % payers.length]!);
          }
          // Then everyone finishes and the process manager catches up with every payment.
          for (const payer of payers) while (payer.step !== 'done') step(log, payer);
          for (const paid of log.events.filter((event) => event.type === 'MerchantPaid')) react(log, paid);

          const redeemed = log.events.filter((event) => event.type === 'PaymentCodeRedeemed');
          const credited = log.events.filter((event) => event.type === 'MerchantPaymentReceived');
          const debits = log.events.filter((event) => event.type === 'MerchantPaid');
          const returned = log.events.filter((event) => event.type === 'MerchantPaymentReturned');
          expect(redeemed.length).toBeLessThanOrEqual(1);
          expect(credited.length).toBe(redeemed.length);
          expect(returned.length).toBe(debits.length - redeemed.length);
          if (redeemed.length === 1) expect((credited[0]!.data as MerchantPaid).paymentId).toBe((redeemed[0]!.data as { paymentId: string }).paymentId);
          // Whoever could pay and found the code free first holds it: a payer with enough money never loses to nobody.
          if (balances.some((b) => b >= AMOUNT)) expect(redeemed.length).toBe(1);
          const audit = auditLedger(log.events);
          expect(audit.problems).toEqual([]);
          expect(audit.inFlight).toBe(0);
          const total = log.events.filter((event) => event.streamId.startsWith('wallet-')).reduce((sum, event) => sum + walletBalanceDelta(event), 0);
          expect(total).toBe(fundings);
          expect(audit.balances.get('wallet-shop') ?? 0).toBe(redeemed.length * AMOUNT);
        },
      ),
      PROPERTY_PARAMS,
    );
  });
});
