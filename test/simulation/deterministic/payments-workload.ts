import { unguessableId, seededRandom } from '@zan/platform';
import { IssuePaymentCodeCommand } from '../../../apps/api/src/payments/issue-payment-code/issue-payment-code.handler';
import { PayByCodeCommand } from '../../../apps/api/src/payments/pay-by-code/pay-by-code.handler';
import { OpenWalletCommand } from '../../../apps/api/src/wallets/open-wallet/open-wallet.handler';
import { RequestVerificationCommand } from '../../../apps/api/src/verification/request-verification/request-verification.handler';
import { companyNameOf, usccOf } from '../../support/identity';
import { SIMULATION_SECRETS } from './simulated-process';
import { commandIdOf, type Request } from './workload';

export const MERCHANT = 'shop';

/** A merchant's setup: a business wallet verified as one, then its codes (static and dynamic, some expiring within seconds). */
export const merchantSetup = (codes: CodeTerms[]): Request[] => [
  { at: 0, userId: MERCHANT, key: 'open-shop', describe: 'open shop', send: (p, c) => p.handlers.open.execute(new OpenWalletCommand(c, 'business')) },
  {
    at: 0,
    userId: MERCHANT,
    key: 'verify-shop',
    describe: 'verify shop',
    send: (p, c) => p.handlers.verify.execute(new RequestVerificationCommand(c, { kind: 'business', name: companyNameOf(MERCHANT), number: usccOf(MERCHANT) })),
  },
  ...codes.map((terms): Request => ({
    at: 0,
    userId: MERCHANT,
    key: terms.key,
    describe: `shop issues ${terms.amount === undefined ? 'a static code' : `a code for ${terms.amount} (${terms.seconds} s)`}`,
    send: (p, c) => p.handlers.issueCode.execute(new IssuePaymentCodeCommand(c, terms.amount, terms.seconds, undefined)),
  })),
];

export interface CodeTerms {
  key: string;
  code: string;
  amount?: number;
  seconds?: number;
}

/**
 * Payments by code, drawn from their own seeded source (the draws of the other requests stay as they
 * were): a few codes, and payers racing on them at times spread over `spanMs`, some at the same
 * instant, some sent again with the same key.
 */
export const paymentRequests = (seed: number, users: string[], count: number, spanMs: number): { codes: CodeTerms[]; requests: Request[] } => {
  const random = seededRandom(seed * 7_919 + 17);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const codes: CodeTerms[] = Array.from({ length: 4 }, (_, i) => {
    const key = `code-${i}`;
    const code = unguessableId(SIMULATION_SECRETS.idKey, 'payment-code', MERCHANT, commandIdOf({ userId: MERCHANT, key }));
    return i === 0 ? { key, code } : { key, code, amount: between(100, 3_000), seconds: pick([2, 5, 300]) };
  });
  const requests: Request[] = [];
  let at = 0;
  for (let n = 0; n < count; n += 1) {
    at += random() < 0.4 ? 0 : between(1, Math.floor((2 * spanMs) / count));
    const userId = pick(users);
    const terms = pick(codes);
    const amount = terms.amount === undefined ? between(1, 2_000) : undefined;
    const describe = `${userId} pays ${terms.key}${amount === undefined ? '' : ` ${amount}`}`;
    const request: Request = { at, userId, key: `pay${n}`, describe, send: (p, c) => p.handlers.pay.execute(new PayByCodeCommand(c, terms.code, amount)) };
    requests.push(request);
    if (random() < 0.15) requests.push({ ...request, at: at + between(0, 2_000) });
  }
  return { codes, requests };
};
