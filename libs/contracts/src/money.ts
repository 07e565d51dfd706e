/** An amount of money: an integer count of fen (1 yuan = 100 fen), CNY only. */
export type Fen = number;

export const CURRENCY = 'CNY' as const;

/** True for a safe, non-negative integer: the only shape a stored amount may have. */
export const isFen = (value: unknown): value is Fen => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** True for an amount that can be paid: a safe integer of at least 1 fen. */
export const isPayableFen = (value: unknown): value is Fen => isFen(value) && value >= 1;

/**
 * How far a wallet may pay, decided from its verification (modelled on the People's Bank of China
 * account classes, see docs/operations.md): `unverified` (never verified, pending or rejected),
 * `individual` and `business` (verified as such).
 */
export type AccountTier = 'unverified' | 'individual' | 'business';

export const ACCOUNT_TIERS: readonly AccountTier[] = ['unverified', 'individual', 'business'];

/** Outgoing limits of a tier, in fen; 0: none beyond the install-wide ones. */
export interface TierLimits {
  /** Most one debit (withdrawal, transfer, tip, red packet) may move. */
  perPayment: Fen;
  /** Most the wallet's debits may add up to in one Beijing calendar day. */
  daily: Fen;
  /** Most the wallet's debits may add up to in one Beijing calendar year. */
  annual: Fen;
}

export interface MoneyLimits {
  tip: { min: Fen; max: Fen };
  redPacket: { minTotal: Fen; maxTotal: Fen; minShares: number; maxShares: number; ttlMs: number };
  funding: { min: Fen; max: Fen };
  withdrawal: { min: Fen; max: Fen };
  transfer: { min: Fen; max: Fen };
  /** Most a wallet may spend (withdraw, transfer, tip, send) in one calendar day, Beijing time; 0: no limit. */
  dailySpend: Fen;
  /** Most bank cards linked to one wallet. */
  cardsPerWallet: number;
  /** Outgoing limits by verification tier, on top of the ones above. */
  tiers: Record<AccountTier, TierLimits>;
}

/** CONTRACT.md defaults; every one is configurable. */
export const DEFAULT_LIMITS: MoneyLimits = {
  tip: { min: 500, max: 20_000 },
  redPacket: { minTotal: 1, maxTotal: 20_000, minShares: 1, maxShares: 100, ttlMs: 24 * 60 * 60 * 1000 },
  funding: { min: 1, max: 5_000_000 },
  withdrawal: { min: 1, max: 5_000_000 },
  transfer: { min: 1, max: 5_000_000 },
  dailySpend: 2_000_000,
  cardsPerWallet: 10,
  // PBoC reference (docs/operations.md): an unverified wallet as a class III bank account (2,000 yuan a
  // day, 50,000 a year) paying at most 1,000 yuan at once; a verified individual as a class II bank
  // account (10,000 yuan a day, 200,000 a year) paying at most 5,000 yuan at once; a verified
  // business as a company account, which the classes do not cap (the install-wide limits only).
  tiers: {
    unverified: { perPayment: 100_000, daily: 200_000, annual: 5_000_000 },
    individual: { perPayment: 500_000, daily: 1_000_000, annual: 20_000_000 },
    business: { perPayment: 0, daily: 0, annual: 0 },
  },
};
