/**
 * Upcasting: old stored payloads are turned into the current shape on read, never rewritten.
 * An upcaster takes a payload of `fromVersion` and returns the payload of `fromVersion + 1`; a new
 * version of an event is one line in EVENT_CATALOG plus one entry here. Every reader upcasts: the
 * event store adapters and the Kafka decoding alike.
 */
import type { ProductListed, ProductListedV1 } from './commerce-events';
import { EVENT_CATALOG, isZanEventType, type WalletFunded, type WalletFundedV1 } from './events';
import { maskName } from './text';

export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast: (data: unknown) => unknown;
}

/** The registered chain, one step per (type, version). */
export const UPCASTERS: readonly Upcaster[] = [
  {
    type: 'WalletFunded',
    fromVersion: 1,
    upcast: (data) => {
      const { cardId, ...rest } = data as WalletFundedV1;
      return { ...rest, source: { kind: 'card', cardId } } satisfies WalletFunded;
    },
  },
  {
    // v1 carried the company name in clear: masked on read, so no reader shows it (a shredded
    // merchant's included), as v2 stores it.
    type: 'ProductListed',
    fromVersion: 1,
    upcast: (data) => {
      const v1 = data as ProductListedV1;
      return { ...v1, merchantName: v1.merchantName === v1.merchantId ? v1.merchantName : maskName(v1.merchantName) } satisfies ProductListed;
    },
  },
];

export const currentVersion = (type: string): number => (isZanEventType(type) ? EVENT_CATALOG[type].version : 1);

/** Runs the chain from the stored version to the current one. */
export const upcast = (type: string, version: number, data: unknown, upcasters: readonly Upcaster[] = UPCASTERS): { version: number; data: unknown } => {
  let v = version;
  let d = data;
  const target = currentVersion(type);
  while (v < target) {
    const step = upcasters.find((u) => u.type === type && u.fromVersion === v);
    if (!step) throw new Error(`no upcaster for ${type} v${v}`);
    d = step.upcast(d);
    v += 1;
  }
  return { version: v, data: d };
};
