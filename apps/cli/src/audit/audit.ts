import type { StoredEvent } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';
import { readEventPages } from '../core/read-events';
import { compareReadModels, fullScope, scopeOf, type Difference, type ReadModels } from './compare';
import { Ledger } from './ledger';

export interface AuditOptions {
  /** The live read models and their watermark; undefined to check the events only. */
  readModels?: ReadModels & { watermark(): Promise<bigint> };
  /** A debit younger than this may still be waiting for its credit (in flight). */
  graceMs: number;
  now?: () => Date;
  /** How often to look again at differences while the read models catch up. */
  recheckRounds?: number;
  recheckDelayMs?: number;
  signal?: AbortSignal;
  pageSize?: number;
  progress?: (position: bigint, events: number) => void;
}

export interface AuditResult {
  ledger: Ledger;
  head?: bigint;
  /** The read models' watermark the comparison was made at (undefined: not compared). */
  comparedAt?: bigint;
  differences: Difference[];
  /** Things compared: wallets, authors, packets. */
  compared: { wallets: number; authors: number; packets: number };
  interrupted: boolean;
}

/**
 * Recomputes the ledger from the events. The read models are compared at their own watermark: the
 * events up to it are folded first, the models read, and anything that differs is read again after
 * the models moved on (a running projector is ahead of a watermark only for a moment). Then the rest
 * of the events, to the head, feed the money checks.
 */
export const audit = async (store: EventStore, options: AuditOptions): Promise<AuditResult> => {
  const ledger = new Ledger();
  const head = await store.headPosition();
  const result: AuditResult = { ledger, head, differences: [], compared: { wallets: 0, authors: 0, packets: 0 }, interrupted: false };
  const fold = async (until: bigint | undefined): Promise<void> => {
    if (until === undefined || (ledger.position !== undefined && until <= ledger.position)) return;
    const pages = readEventPages(store, { after: ledger.position, until, pageSize: options.pageSize, signal: options.signal });
    for await (const page of pages) {
      page.forEach((event: StoredEvent) => ledger.apply(event));
      options.progress?.(ledger.position!, ledger.events);
    }
  };

  const pause = () => new Promise((resolve) => setTimeout(resolve, options.recheckDelayMs ?? 500));
  const rounds = options.recheckRounds ?? 3;
  const models = options.readModels;
  if (models) {
    let watermark = await models.watermark();
    if (head !== undefined && watermark > head) {
      result.differences.push({ model: 'watermark', id: 'ahead', expected: head.toString(), actual: watermark.toString() });
    } else {
      if (watermark > 0n) await fold(watermark);
      const scope = fullScope(ledger);
      result.compared = { wallets: scope.wallets.length, authors: scope.authors.length, packets: scope.packets.length };
      let differences = await compareReadModels(ledger, models, scope);
      for (let round = 0; differences.length > 0 && round < rounds && !options.signal?.aborted; round++) {
        await pause();
        const moved = await models.watermark();
        if (moved <= watermark) continue;
        watermark = moved;
        await fold(watermark);
        differences = await compareReadModels(ledger, models, scopeOf(differences));
      }
      result.differences.push(...differences);
    }
    result.comparedAt = watermark;
  }
  await fold(head);
  if (models && head !== undefined && !options.signal?.aborted) {
    // Read models that stay behind the head the audit started from are not in line with the events.
    let watermark = await models.watermark();
    for (let round = 0; watermark < head && round < rounds; round++) {
      await pause();
      watermark = await models.watermark();
    }
    if (watermark < head) {
      result.differences.unshift({ model: 'watermark', id: 'behind', expected: head.toString(), actual: watermark.toString() });
    }
  }
  result.interrupted = options.signal?.aborted === true;
  if (!result.interrupted) ledger.finish((options.now ?? (() => new Date()))(), options.graceMs);
  return result;
};
