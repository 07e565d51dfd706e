/** Fen with thousands separators: 1234567 -> "1,234,567". */
export const fen = (amount: number): string => amount.toLocaleString('en-US');

/** Fen as yuan: 1234567 -> "12,345.67". */
export const yuan = (amount: number): string => {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
};

export const money = (amount: number): string => `${fen(amount)} fen (${yuan(amount)} CNY)`;

export type Align = 'left' | 'right';

/** A plain text table: a header, a rule, rows; numbers right-aligned when `align` says so. */
export const renderTable = (headers: string[], rows: (string | number)[][], align: Align[] = []): string => {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en-US') : cell)));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((row) => width(row[i] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - width(cell));
        return align[i] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
};

/** Display width: CJK characters take two columns. */
const width = (text: string): number => {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
};

/** JSON with bigints as decimal strings (positions). */
export const toJson = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
