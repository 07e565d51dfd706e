import type { EventStore } from '@zan/event-store';
import { audit, type AuditResult } from '../../apps/cli/src/audit/audit';
import { eventually } from './eventually';

/**
 * The audit of the store once its ledger is quiet: nothing in flight, nothing held by red packets or
 * group buys (the credits, expiries and settlements are made), and `ready` holds if given. Fails
 * naming `what` after `timeoutMs`.
 */
export const auditWhenQuiet = async (
  store: EventStore,
  options: { what?: string; timeoutMs: number; ready?: () => Promise<boolean> },
): Promise<AuditResult> => {
  let result: AuditResult | undefined;
  await eventually(
    options.what ?? 'the audit to find the ledger quiet',
    async () => {
      if (options.ready && !(await options.ready())) return false;
      result = await audit(store, { graceMs: 0 });
      const money = result.ledger.conservation();
      return money.inFlight === 0 && money.held === 0 && money.heldByGroupBuys === 0;
    },
    options.timeoutMs,
    500,
  );
  return result!;
};
