import type { Writable } from 'node:stream';
import type { EventStore } from '@zan/event-store';
import { writeChunk } from '../core/cli-io';
import type { Progress } from '../core/progress';
import { readEventPages } from '../core/read-events';
import { compileFilter, type EventFilterSpec } from './event-filter';
import { csvHeader, csvRow, ndjsonLine, type ExportFormat } from './export-format';

export interface ExportOptions {
  format: ExportFormat;
  filter: EventFilterSpec;
  after?: bigint;
  until?: bigint;
  /** Stop after this many events written. */
  limit?: number;
  pageSize?: number;
  signal?: AbortSignal;
  progress?: Progress;
}

export interface ExportResult {
  written: number;
  scanned: number;
  /** Position of the last event read (written or not). */
  lastPosition?: bigint;
  interrupted: boolean;
}

/**
 * Streams the events that pass the filter to `out`, a page at a time: one write per page, and the
 * next page is only read once the output has taken the last one (back-pressure), so memory stays
 * flat whatever the size of the store.
 */
export const exportEvents = async (store: EventStore, out: Writable, options: ExportOptions): Promise<ExportResult> => {
  const keep = compileFilter(options.filter);
  const line = options.format === 'csv' ? csvRow : ndjsonLine;
  const streams = options.filter.streams ?? [];
  const result: ExportResult = { written: 0, scanned: 0, interrupted: false };
  if (options.format === 'csv') await writeChunk(out, csvHeader());
  const pages = readEventPages(store, {
    after: options.after,
    until: options.until,
    pageSize: options.pageSize,
    signal: options.signal,
    // One stream is read by revision, not by scanning the whole store.
    streamId: streams.length === 1 ? streams[0] : undefined,
  });
  for await (const page of pages) {
    let chunk = '';
    for (const event of page) {
      if (options.limit !== undefined && result.written >= options.limit) break;
      if (!keep(event)) continue;
      chunk += line(event);
      result.written++;
    }
    result.scanned += page.length;
    result.lastPosition = page[page.length - 1].position;
    if (chunk) await writeChunk(out, chunk);
    options.progress?.update(result.lastPosition, result.scanned);
    if (options.limit !== undefined && result.written >= options.limit) break;
  }
  result.interrupted = options.signal?.aborted === true;
  return result;
};
