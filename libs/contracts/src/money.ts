/** An amount of money: an integer count of fen (1 yuan = 100 fen), CNY only. */
export type Fen = number;

export const CURRENCY = 'CNY' as const;

/** True for a safe, non-negative integer: the only shape a stored amount may have. */
export const isFen = (value: unknown): value is Fen =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** True for an amount that can be paid: a safe integer of at least 1 fen. */
export const isPayableFen = (value: unknown): value is Fen => isFen(value) && value >= 1;

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
};
