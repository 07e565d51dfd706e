/**
 * Upcasting: old stored payloads are turned into the current shape on read, never rewritten.
 * An upcaster takes a payload of `fromVersion` and returns the payload of `fromVersion + 1`.
 */
import { EVENT_CATALOG, isZanEventType } from './events';

export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast: (data: unknown) => unknown;
}

const UPCASTERS: Upcaster[] = [];

export const currentVersion = (type: string): number => (isZanEventType(type) ? EVENT_CATALOG[type].version : 1);

/** Runs the chain from the stored version to the current one. */
export const upcast = (type: string, version: number, data: unknown): { version: number; data: unknown } => {
  let v = version;
  let d = data;
  const target = currentVersion(type);
  while (v < target) {
    const step = UPCASTERS.find((u) => u.type === type && u.fromVersion === v);
    if (!step) throw new Error(`no upcaster for ${type} v${v}`);
    d = step.upcast(d);
    v += 1;
  }
  return { version: v, data: d };
};
