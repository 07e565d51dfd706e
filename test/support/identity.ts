import { createHash } from 'node:crypto';
import { USCC_CHARSET, residentIdCheckDigit, usccCheckCharacter } from '@zan/platform';

/**
 * Made-up identities that the local verification provider accepts: a resident ID whose check digit
 * is computed (GB 11643), a unified social credit code whose check character is (GB 32100), and a
 * real name unique to the user id. The card holder name of a personal card is that real name.
 */
const digitsOf = (seed: string, count: number): number[] => [...createHash('sha256').update(seed).digest()].slice(0, count).map((byte) => byte % 10);

export const realNameOf = (userId: string): string => `测试${userId}`;
export const companyNameOf = (userId: string): string => `${userId}有限公司`;

export const residentIdOf = (userId: string): string => {
  // Region 110105, born 1990-01-01, then three digits from the user id, then the check digit.
  const first17 = `11010519900101${digitsOf(userId, 3).join('')}`;
  return first17 + residentIdCheckDigit(first17);
};

export const usccOf = (userId: string): string => {
  const first17 = `91110000${digitsOf(`uscc:${userId}`, 9)
    .map((d) => USCC_CHARSET[d])
    .join('')}`;
  return first17 + usccCheckCharacter(first17);
};

/** The body of POST /v1/wallets/me/verification for this user, as a person or as a company. */
export const verificationBodyOf = (userId: string, kind: 'individual' | 'business' = 'individual') =>
  kind === 'individual'
    ? { kind, realName: realNameOf(userId), idNumber: residentIdOf(userId) }
    : { kind, companyName: companyNameOf(userId), licenseNumber: usccOf(userId) };

/** The body of POST /v1/wallets/me/cards for a card held by the user (personal once they are verified as an individual). */
export const ownCardOf = (userId: string, cardId = `card-${userId}`) => ({ cardId, holderName: realNameOf(userId) });

/** Sends one setup request of a user and answers its status (each spec sends its own way). */
export type SetupSend = (userId: string, path: string, body: object, key: string) => Promise<number>;

/**
 * Readies a storm's user under the v1.1 rules: verified as an individual, their own (personal) card
 * linked and funded, and `articles` articles published (`<user>-a-0`, ...) that others may tip.
 * Every request must answer 201.
 */
export const prepareStormUser = async (send: SetupSend, userId: string, options: { funding: number; articles: number; title?: string }): Promise<void> => {
  const steps: [string, object, string][] = [
    ['/v1/wallets/me/verification', verificationBodyOf(userId), `verify-${userId}`],
    ['/v1/wallets/me/cards', ownCardOf(userId), `card-${userId}`],
    ['/v1/wallets/me/fundings', { amount: options.funding, cardId: `card-${userId}` }, `fund-${userId}`],
    ...Array.from({ length: options.articles }, (_, n): [string, object, string] => [
      '/v1/articles',
      { articleId: `${userId}-a-${n}`, title: options.title ?? 'storm' },
      `publish-${userId}-${n}`,
    ]),
  ];
  for (const [path, body, key] of steps) expect({ path, status: await send(userId, path, body, key) }).toEqual({ path, status: 201 });
};
