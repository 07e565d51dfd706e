import { InvalidCommand, PaymentCodeGone, PaymentCodeNotFound } from '../errors';
import { T0, at } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { dynamicIssued, redeemed, staticIssued } from './payment-code.fixtures';
import { paymentCodeDecider } from './payment-code.decider';
import type { RedeemPaymentCode } from './redeem-payment-code';

const given = specFor(paymentCodeDecider);

const redeem = (paymentId = 'p-1', paidAt = at(T0, 1000), amount = 1500): RedeemPaymentCode => ({
  type: 'RedeemPaymentCode',
  data: { paymentId, payerId: 'bob', amount, paidAt },
});

describe('RedeemPaymentCode', () => {
  it('takes the one payment of a dynamic code', () => {
    const { state } = given([dynamicIssued()])
      .when(redeem())
      .then([redeemed('p-1')]);
    expect(state.redeemedBy).toBe('p-1');
  });

  it('is a no-op for the payment that took it (the api and the process manager both try)', () => {
    given([dynamicIssued(), redeemed('p-1')])
      .when(redeem('p-1'))
      .thenNothing();
  });

  it('refuses any other payment once taken: 410', () => {
    given([dynamicIssued(), redeemed('p-1')])
      .when(redeem('p-2'))
      .thenThrows(PaymentCodeGone, /used/);
  });

  it('refuses a payment made at or after the expiry: 410', () => {
    given([dynamicIssued(1500, 60)])
      .when(redeem('p-1', at(T0, 60_000)))
      .thenThrows(PaymentCodeGone, /expired/);
    given([dynamicIssued(1500, 60)])
      .when(redeem('p-1', at(T0, 59_999)))
      .then([redeemed('p-1')]);
  });

  it('refuses an unknown code, a static code and another amount', () => {
    given([]).when(redeem()).thenThrows(PaymentCodeNotFound);
    given([staticIssued()]).when(redeem()).thenThrows(InvalidCommand);
    given([dynamicIssued()])
      .when(redeem('p-1', at(T0, 1000), 1499))
      .thenThrows(InvalidCommand);
  });
});
