/** Yuan from integer fen, exact to the fen (no floating point): 268800 -> "¥2,688.00". */
export const yuan = (fen: number): string => {
  const sign = fen < 0 ? '−' : '';
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
};

/** Fen as a yuan number for chart axes only (labels and totals use yuan()). */
export const yuanValue = (fen: number): number => fen / 100;

export const count = (n: number): string => n.toLocaleString('en-US');

const BEIJING_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Today in Beijing, YYYY-MM-DD. */
export const beijingToday = (now = Date.now()): string => new Date(now + BEIJING_MS).toISOString().slice(0, 10);

export const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** `2026-12-01` -> `12-01`; `2026-12-01T09` -> `12-01 09:00`; `2026-12-01T09:05` -> `09:05`. */
export const label = (at: string): string => {
  if (at.length === 10) return at.slice(5);
  if (at.length === 13) return `${at.slice(5, 10)} ${at.slice(11)}:00`;
  return at.slice(11);
};
