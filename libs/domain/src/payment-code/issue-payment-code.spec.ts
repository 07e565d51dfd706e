import { DEFAULT_LIMITS } from '@zan/contracts';
import { AmountOutOfRange, InvalidCommand, NotAMerchant } from '../errors';
import { T0, at } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { IssuePaymentCode } from './issue-payment-code';
import { CODE_ID, dynamicIssued, staticIssued } from './payment-code.fixtures';
import { paymentCodeDecider } from './payment-code.decider';

const given = specFor(paymentCodeDecider);

const issue = (data: Partial<IssuePaymentCode['data']> = {}): IssuePaymentCode => ({
  type: 'IssuePaymentCode',
  data: { codeId: CODE_ID, merchantId: 'shop', merchant: true, now: T0, ...data },
});

describe('IssuePaymentCode', () => {
  it('issues a static code without amount and without expiry', () => {
    const { state } = given([]).when(issue()).then([staticIssued()]);
    expect(state).toMatchObject({ exists: true, merchantId: 'shop', amount: undefined, expiresAt: undefined });
  });

  it('issues a dynamic code expiring after 300 s by default, with its reference', () => {
    given([])
      .when(issue({ amount: 1500, reference: 'bill 42' }))
      .then([dynamicIssued(1500, 300, 'bill 42')]);
  });

  it('takes expiresInSeconds 1..86400', () => {
    given([])
      .when(issue({ amount: 1500, expiresInSeconds: 1 }))
      .then([dynamicIssued(1500, 1)]);
    given([])
      .when(issue({ amount: 1500, expiresInSeconds: 86_400 }))
      .then([dynamicIssued(1500, 86_400)]);
    given([])
      .when(issue({ amount: 1500, expiresInSeconds: 0 }))
      .thenThrows(InvalidCommand, /1\.\.86400/);
    given([])
      .when(issue({ amount: 1500, expiresInSeconds: 86_401 }))
      .thenThrows(InvalidCommand);
    given([])
      .when(issue({ amount: 1500, expiresInSeconds: 1.5 }))
      .thenThrows(InvalidCommand);
  });

  it('refuses an expiry on a static code', () => {
    given([])
      .when(issue({ expiresInSeconds: 60 }))
      .thenThrows(InvalidCommand, /dynamic codes only/);
  });

  it('refuses a wallet that is not a merchant', () => {
    given([])
      .when(issue({ merchant: false }))
      .thenThrows(NotAMerchant);
  });

  it('refuses an amount outside the payment limits, and a malformed one', () => {
    given([])
      .when(issue({ amount: DEFAULT_LIMITS.transfer.max + 1 }))
      .thenThrows(AmountOutOfRange);
    given([])
      .when(issue({ amount: 0 }))
      .thenThrows(InvalidCommand);
    given([])
      .when(issue({ amount: 1.5 }))
      .thenThrows(InvalidCommand);
  });

  it('refuses a reference that is not free text', () => {
    given([])
      .when(issue({ reference: 'a\u0000b' }))
      .thenThrows(InvalidCommand, /reference/);
    given([])
      .when(issue({ reference: 'x'.repeat(101) }))
      .thenThrows(InvalidCommand, /reference/);
  });

  it('is a no-op when repeated (a retried command), and refuses another merchant on the same id', () => {
    given([staticIssued()])
      .when(issue({ now: at(T0, 1000) }))
      .thenNothing();
    given([staticIssued()])
      .when(issue({ merchantId: 'other' }))
      .thenThrows(InvalidCommand);
  });
});
