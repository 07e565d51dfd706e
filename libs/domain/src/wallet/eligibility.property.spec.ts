import fc from 'fast-check';
import type { DomainEvent } from '@zan/contracts';
import { fold } from '../decider';
import { NAME_HASH, OTHER_NAME_HASH, cardLinked, verificationRejected, verificationRequested, walletOpened, walletVerified } from '../testing/fixtures';
import { PROPERTY_PARAMS } from '../testing/property';
import { isEligibleAuthor, TIP_AUTHOR_UNCHANGED_BY, tipAuthor } from './praise-tip';
import { walletDecider } from './wallet.decider';

/** Any order of a wallet's verification and card events, some of them stale or another person's. */
const event: fc.Arbitrary<DomainEvent> = fc.oneof(
  fc
    .record({ id: fc.constantFrom('v-1', 'v-2'), name: fc.constantFrom(NAME_HASH, OTHER_NAME_HASH) })
    .map(({ id, name }) => verificationRequested('bob', { verificationId: id, nameHash: name })),
  fc.constantFrom<DomainEvent>(
    walletVerified('bob'),
    walletVerified('bob', 'admin', null),
    verificationRejected('bob'),
    verificationRejected('bob', 'admin', null),
  ),
  fc
    .record({ card: fc.constantFrom('c1', 'c2'), holder: fc.constantFrom<string | null>(NAME_HASH, OTHER_NAME_HASH, null), declared: fc.boolean() })
    .map(({ card, holder, declared }) => cardLinked('bob', card, declared, holder)),
);

describe('tip eligibility (property)', () => {
  it('eligible iff a verified individual whose verified name holds a linked card, whatever the order of events and whatever was declared', () => {
    fc.assert(
      fc.property(fc.constantFrom('individual' as const, 'business' as const), fc.array(event, { maxLength: 12 }), (kind, events) => {
        const state = fold(walletDecider, [walletOpened('bob', kind), ...events]);
        // The model: the latest request names the person, the latest decision stands, cards keep their latest holder.
        let requestedName: string | undefined;
        let status = 'none';
        const holders = new Map<string, string | undefined>();
        for (const e of events) {
          if (e.type === 'VerificationRequested') [requestedName, status] = [e.data.nameHash, 'pending'];
          if (e.type === 'WalletVerified') status = 'verified';
          if (e.type === 'VerificationRejected') status = 'rejected';
          if (e.type === 'BankCardLinked') holders.set(e.data.cardId, e.data.holderNameHash);
        }
        const expected = kind === 'individual' && status === 'verified' && requestedName !== undefined && [...holders.values()].includes(requestedName);
        expect(isEligibleAuthor(tipAuthor(state))).toBe(expected);
      }),
      PROPERTY_PARAMS,
    );
  });

  it('never changes by the events a tip is appended past (TIP_AUTHOR_UNCHANGED_BY: money in and out)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('individual' as const, 'business' as const),
        fc.array(event, { maxLength: 12 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (kind, events, amount) => {
          const state = fold(walletDecider, [walletOpened('bob', kind), ...events]);
          for (const type of TIP_AUTHOR_UNCHANGED_BY) {
            const moved = walletDecider.evolve(state, { type, data: { amount }, occurredAt: '2026-12-07T10:00:00.000Z' });
            expect({ type, author: tipAuthor(moved) }).toEqual({ type, author: tipAuthor(state) });
          }
        },
      ),
      PROPERTY_PARAMS,
    );
  });
});
