import { DEFAULT_LIMITS } from '@zan/contracts';
import {
  AmountOutOfRange,
  DailyLimitExceeded,
  InsufficientFunds,
  NotAMerchant,
  PaymentAmountMismatch,
  PaymentAmountRequired,
  PaymentCodeGone,
  PaymentCodeNotFound,
  SelfPayment,
} from '../errors';
import { T0, at, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { CodeToPay, PayMerchant } from './pay-merchant';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);
const CODE_ID = 'c'.repeat(64);
const staticCode: CodeToPay = { exists: true, codeId: CODE_ID, merchantId: 'shop', used: false, merchant: true };
const dynamicCode: CodeToPay = { ...staticCode, amount: 1500, expiresAt: at(T0, 300_000), reference: 'bill 42' };
const now = { limits: DEFAULT_LIMITS, now: at(T0, 1000) };

const pay = (code: CodeToPay, amount?: number, payerId = 'bob'): PayMerchant => ({
  type: 'PayMerchant',
  data: { paymentId: 'p-1', payerId, code, ...(amount !== undefined && { amount }) },
});

const paid = (amount: number, dynamic: boolean, reference?: string) => ({
  type: 'MerchantPaid' as const,
  data: { paymentId: 'p-1', payerId: 'bob', merchantId: 'shop', codeId: CODE_ID, amount, dynamic, ...(reference !== undefined && { reference }) },
});

describe('PayMerchant', () => {
  it('debits the amount the payer enters on a static code', () => {
    const { state } = given(walletWith('bob', 5000))
      .when(pay(staticCode, 800), now)
      .then([paid(800, false)]);
    expect(state.balance).toBe(4200);
  });

  it("debits a dynamic code's own amount, with or without the same amount sent, with its reference", () => {
    given(walletWith('bob', 5000))
      .when(pay(dynamicCode), now)
      .then([paid(1500, true, 'bill 42')]);
    given(walletWith('bob', 5000))
      .when(pay(dynamicCode, 1500), now)
      .then([paid(1500, true, 'bill 42')]);
  });

  it('refuses a static code without amount (422) and a dynamic code with another amount (422)', () => {
    given(walletWith('bob', 5000)).when(pay(staticCode), now).thenThrows(PaymentAmountRequired);
    given(walletWith('bob', 5000)).when(pay(dynamicCode, 1400), now).thenThrows(PaymentAmountMismatch);
  });

  it('refuses an unknown code (404), a used or expired dynamic code (410)', () => {
    given(walletWith('bob', 5000))
      .when(pay({ exists: false, used: false, merchant: false }, 100), now)
      .thenThrows(PaymentCodeNotFound);
    given(walletWith('bob', 5000))
      .when(pay({ ...dynamicCode, used: true }), now)
      .thenThrows(PaymentCodeGone, /used/);
    given(walletWith('bob', 5000))
      .when(pay(dynamicCode), { ...now, now: at(T0, 300_000) })
      .thenThrows(PaymentCodeGone, /expired/);
  });

  it('a static code pays any number of times and never expires', () => {
    given(walletWith('bob', 5000))
      .when(pay({ ...staticCode, used: true }, 100), { ...now, now: at(T0, 10 * 86_400_000) })
      .then([paid(100, false)]);
  });

  it('refuses paying yourself and a merchant no longer verified', () => {
    given(walletWith('shop', 5000))
      .when(pay(staticCode, 100, 'shop'), now)
      .thenThrows(SelfPayment);
    given(walletWith('bob', 5000))
      .when(pay({ ...staticCode, merchant: false }, 100), now)
      .thenThrows(NotAMerchant);
  });

  it('refuses more than the balance, the payment limits and the daily limit', () => {
    given(walletWith('bob', 799)).when(pay(staticCode, 800), now).thenThrows(InsufficientFunds);
    given([]).when(pay(staticCode, 800), now).thenThrows(InsufficientFunds);
    given(walletWith('bob', 10_000_000))
      .when(pay(staticCode, DEFAULT_LIMITS.transfer.max + 1), now)
      .thenThrows(AmountOutOfRange);
    const limits = { ...DEFAULT_LIMITS, dailySpend: 700 };
    given(walletWith('bob', 5000)).when(pay(staticCode, 800), { limits, now: now.now }).thenThrows(DailyLimitExceeded);
  });
});
