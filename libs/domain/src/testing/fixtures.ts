import type { DomainEvent, RedPacketSent, WalletKind } from '@zan/contracts';

/** Event builders with readable defaults, for specs. */
export const walletOpened = (userId: string, kind: WalletKind = 'individual'): DomainEvent<'WalletOpened'> => ({
  type: 'WalletOpened',
  data: { userId, kind },
});

/** Keyed hashes stand in for names and numbers: the domain only ever compares them. */
export const NAME_HASH = 'a'.repeat(64);
export const OTHER_NAME_HASH = 'b'.repeat(64);
export const NUMBER_HASH = 'c'.repeat(64);

/** A card held by `holderNameHash` (NAME_HASH: the verified individual's name); `null`: a v1 card, no holder. */
export const cardLinked = (userId: string, cardId = 'card-1', personal = true, holderNameHash: string | null = NAME_HASH): DomainEvent<'BankCardLinked'> => ({
  type: 'BankCardLinked',
  data: { userId, cardId, personal, ...(holderNameHash !== null && { holderName: '张*', holderNameHash }) },
});

export const verificationRequested = (
  userId: string,
  overrides: Partial<{ verificationId: string; kind: 'individual' | 'business'; nameHash: string; numberHash: string }> = {},
): DomainEvent<'VerificationRequested'> => ({
  type: 'VerificationRequested',
  data: { userId, verificationId: 'v-1', kind: 'individual', maskedName: '张*', nameHash: NAME_HASH, numberHash: NUMBER_HASH, ...overrides },
});

export const walletVerified = (
  userId: string,
  decidedBy: 'provider' | 'admin' = 'provider',
  verificationId: string | null = 'v-1',
): DomainEvent<'WalletVerified'> => ({
  type: 'WalletVerified',
  data: { userId, ...(verificationId !== null && { verificationId }), decidedBy },
});

export const verificationRejected = (
  userId: string,
  decidedBy: 'provider' | 'admin' = 'provider',
  verificationId: string | null = 'v-1',
): DomainEvent<'VerificationRejected'> => ({
  type: 'VerificationRejected',
  data: { userId, ...(verificationId !== null && { verificationId }), decidedBy },
});

/** A verified individual (NAME_HASH), before any card. */
export const verifiedIndividual = (userId: string): DomainEvent[] => [walletOpened(userId), verificationRequested(userId), walletVerified(userId)];

export const funded = (userId: string, amount: number, cardId = 'card-1', fundingId = 'f-1'): DomainEvent<'WalletFunded'> => ({
  type: 'WalletFunded',
  data: { userId, fundingId, amount, source: { kind: 'card', cardId } },
});

/** A verified individual wallet with card-1 (personal: held by the verified name) and `balance` fen. */
export const walletWith = (userId: string, balance: number): DomainEvent[] => [
  ...verifiedIndividual(userId),
  cardLinked(userId),
  ...(balance > 0 ? [funded(userId, balance)] : []),
];

export const T0 = '2025-01-01T00:00:00.000Z';
export const T_EXPIRY = '2025-01-02T00:00:00.000Z';
export const at = (iso: string, plusMs: number): string => new Date(Date.parse(iso) + plusMs).toISOString();

export const packetSent = (overrides: Partial<RedPacketSent> = {}): RedPacketSent => ({
  redPacketId: 'rp-1',
  senderId: 'alice',
  amount: 1000,
  shares: 3,
  mode: 'lucky',
  expiresAt: T_EXPIRY,
  ...overrides,
});

export const escrowed = (overrides: Partial<RedPacketSent> = {}): DomainEvent<'RedPacketEscrowed'> => ({
  type: 'RedPacketEscrowed',
  data: packetSent(overrides),
});

export const claimed = (
  userId: string,
  amount: number,
  remainingAmount: number,
  remainingShares: number,
  redPacketId = 'rp-1',
  senderId = 'alice',
): DomainEvent<'RedPacketClaimed'> => ({
  type: 'RedPacketClaimed',
  data: { redPacketId, senderId, userId, amount, remainingAmount, remainingShares },
});

/** A random() that returns the given values in turn (then repeats the last). */
export const randomOf = (...values: number[]): (() => number) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
};

export const expired = (amount: number, remainingShares: number, redPacketId = 'rp-1', senderId = 'alice'): DomainEvent<'RedPacketExpired'> => ({
  type: 'RedPacketExpired',
  data: { redPacketId, senderId, amount, remainingShares },
});
