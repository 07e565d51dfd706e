import { CorruptEvent, STREAM_CATEGORIES, eventToJson, streamCategory, streamEntityId, walletBalanceDelta, type StoredEvent } from '@zan/contracts';

export type ExportFormat = 'ndjson' | 'csv';

/**
 * What an event does to a wallet, for analysts: the owner of the wallet whose stream holds it, and
 * the signed change to its balance in fen (debits negative, credits positive, 0 for an event that
 * moves no money). Summing `delta` per `wallet` gives each wallet's balance. Events of other streams
 * (a red packet's escrow, claims, expiry) name no wallet: the wallet side is their credit or debit.
 * A money event whose amount is no whole number of fen (a corrupt event) has a null delta: it is
 * exported as it is stored, and `zan audit` reports it.
 */
export const walletEffect = (event: StoredEvent): { wallet: string | null; delta: number | null } =>
  streamCategory(event.streamId) === 'wallet' ? { wallet: streamEntityId(event.streamId), delta: deltaOrNull(event) } : { wallet: null, delta: 0 };

const deltaOrNull = (event: StoredEvent): number | null => {
  try {
    return walletBalanceDelta(event);
  } catch (error) {
    if (error instanceof CorruptEvent) return null;
    throw error;
  }
};

/** One JSON object per line: the event as CONTRACT.md describes it (position as a decimal string), plus walletEffect. */
export const ndjsonLine = (event: StoredEvent): string => `${JSON.stringify({ ...eventToJson(event), ...walletEffect(event) })}\n`;

/** `wallet` and `delta` came last (v1.1), so that a reader of the earlier columns by index still reads them. */
export const CSV_COLUMNS = [
  'position',
  'occurredAt',
  'streamId',
  'revision',
  'type',
  'version',
  'id',
  'userId',
  'amount',
  'correlationId',
  'causationId',
  'data',
  'metadata',
  'wallet',
  'delta',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export const csvField = (value: string | number | bigint | null | undefined): string => {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One row per event. `userId` is who acted (metadata.userId: the payer on a credit row), `wallet` whose
 * balance the row changes; `amount` is data.amount when the event moves money (fen, unsigned), `delta`
 * its signed effect on `wallet`; `data` and `metadata` are JSON, so nothing of the event is lost.
 */
export const csvRow = (event: StoredEvent): string => {
  const data = (event.data ?? {}) as { amount?: unknown };
  const { wallet, delta } = walletEffect(event);
  const row = [
    event.position.toString(),
    event.occurredAt,
    event.streamId,
    event.revision,
    event.type,
    event.version,
    event.id,
    event.metadata?.userId,
    typeof data.amount === 'number' ? data.amount : '',
    event.metadata?.correlationId,
    event.metadata?.causationId,
    JSON.stringify(event.data),
    JSON.stringify(event.metadata),
    wallet,
    delta,
  ];
  return `${row.map(csvField).join(',')}\r\n`;
};

/** `--category` names stream categories (the stream id prefix); what an event is about is its type. */
export const unknownCategories = (categories: string[] = []): string[] => categories.filter((c) => !(STREAM_CATEGORIES as readonly string[]).includes(c));
