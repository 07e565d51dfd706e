import fc from 'fast-check';
import type { DomainEvent, GroupBuyMember } from '@zan/contracts';
import { DomainError } from '../errors';
import { PROPERTY_PARAMS } from '../testing/property';
import { groupBuyDecider, type GroupBuyCommand } from './group-buy.decider';
import { T_BEFORE, T_DEADLINE, held, opened } from './group-buy.fixtures';
import type { GroupBuyState } from './group-buy.state';

/** What happens to a group: holds arriving (some buyers twice, some redelivered), the deadline passing, the timer firing again. */
type Step = { kind: 'hold'; buyer: number; redeliver: boolean } | { kind: 'expire'; late: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('hold' as const), buyer: fc.integer({ min: 0, max: 7 }), redeliver: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), late: fc.boolean() }) },
);

/**
 * The saga as the api and the credits process manager run it: each hold is decided once on the group
 * stream (joined, or refused at the same id), a redelivered hold finds its decision stored; then every
 * settlement the events call for is counted per hold.
 */
const run = (groupSize: number, steps: Step[]) => {
  const events: DomainEvent[] = [opened(groupSize)];
  let state: GroupBuyState = groupBuyDecider.evolve(groupBuyDecider.initialState, events[0]!);
  const decided = new Set<string>();
  const holds: string[] = [];
  const apply = (command: GroupBuyCommand) => {
    const out = groupBuyDecider.decide(command, state);
    events.push(...out);
    state = out.reduce((s, e) => groupBuyDecider.evolve(s, e), state);
  };
  let n = 0;
  for (const s of steps) {
    if (s.kind === 'expire') {
      apply({ type: 'ExpireGroupBuy', data: { groupBuyId: 'g1', now: s.late ? T_DEADLINE : T_BEFORE } });
      continue;
    }
    const holdId = s.redeliver && holds.length > 0 ? holds[holds.length - 1]! : `hold-${n++}`;
    if (!holds.includes(holdId)) holds.push(holdId);
    // A redelivery of a hold already decided is a duplicate of its stored event id: nothing is decided again.
    if (decided.has(holdId)) continue;
    decided.add(holdId);
    const data = { held: { ...held(`b${s.buyer}`), joinId: holdId }, holdId };
    try {
      apply({ type: 'JoinGroupBuy', data: { ...data, now: T_BEFORE } });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      apply({ type: 'RefuseGroupBuyJoin', data: { ...data, reason: error.code } });
    }
  }
  const paid = new Map<string, number>();
  const returned = new Map<string, number>();
  const count = (map: Map<string, number>, members: GroupBuyMember[]) => members.forEach((m) => map.set(m.holdId, (map.get(m.holdId) ?? 0) + 1));
  for (const event of events) {
    if (event.type === 'GroupBuyCompleted') count(paid, event.data.members);
    if (event.type === 'GroupBuyFailed') count(returned, event.data.members);
    if (event.type === 'GroupBuyJoinRefused') count(returned, [event.data]);
  }
  return { state, holds, paid, returned, events };
};

describe('group buy settlement (property)', () => {
  it('pays each hold to the merchant exactly once or returns it exactly once, never both; open groups hold their members', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(step, { maxLength: 40 }), (groupSize, steps) => {
        const { state, holds, paid, returned, events } = run(groupSize, steps);
        if (state.status === 'none') return false;
        expect(state.members.length).toBeLessThanOrEqual(groupSize);
        expect(new Set(state.members.map((m) => m.buyerId)).size).toBe(state.members.length);
        expect(events.filter((e) => e.type === 'GroupBuyCompleted' || e.type === 'GroupBuyFailed').length).toBeLessThanOrEqual(1);
        const members = new Set(state.members.map((m) => m.holdId));
        for (const holdId of holds) {
          const times = (paid.get(holdId) ?? 0) + (returned.get(holdId) ?? 0);
          expect(paid.get(holdId) ?? 0).toBeLessThanOrEqual(1);
          expect(returned.get(holdId) ?? 0).toBeLessThanOrEqual(1);
          // Still held only while the group is open and the hold is a member.
          expect(times).toBe(state.status === 'open' && members.has(holdId) ? 0 : 1);
        }
        if (state.status === 'completed') expect(paid.size).toBe(groupSize);
        return true;
      }),
      PROPERTY_PARAMS,
    );
  });
});
