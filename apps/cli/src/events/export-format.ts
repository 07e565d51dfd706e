import { eventToJson, type StoredEvent } from '@zan/contracts';

export type ExportFormat = 'ndjson' | 'csv';

/** One JSON object per line: the event as CONTRACT.md describes it, position as a decimal string. */
export const ndjsonLine = (event: StoredEvent): string => `${JSON.stringify(eventToJson(event))}\n`;

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
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
export const csvField = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One row per event; `amount` is data.amount when the event moves money (fen), `data` and
 * `metadata` are JSON, so nothing of the event is lost.
 */
export const csvRow = (event: StoredEvent): string => {
  const data = (event.data ?? {}) as { amount?: unknown };
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
  ];
  return `${row.map(csvField).join(',')}\r\n`;
};
