import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { DomainError } from './errors';
import { PROPERTY_PARAMS } from './testing/property';
import { ZanSystem } from './testing/system-simulation';
import { tipAuthor } from './wallet/praise-tip';
import { redPacketExpiresAt } from './wallet/send-red-packet';

const USERS = ['u0', 'u1', 'u2', 'u3'];
const nameHashOf = (name: string): string => createHash('sha256').update(name).digest('hex');
const CARDS = ['c0', 'c1'];
const HOUR = 3_600_000;

const user = fc.constantFrom(...USERS);
const card = fc.constantFrom(...CARDS);
/** Mostly valid amounts, some the api should have refused: the deciders must refuse them too. */
const amount = (max: number) =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, NaN, 2 ** 53) });

const action = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('open' as const), user, walletKind: fc.constantFrom('individual' as const, 'business' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('link' as const), user, card, personal: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('verify' as const),
      user,
      decision: fc.constantFrom('verified' as const, 'verified' as const, 'rejected' as const),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('fund' as const), user, card, amount: amount(30_000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), user, card, amount: amount(20_000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('transfer' as const), from: user, to: user, amount: amount(10_000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tip' as const), reader: user, author: user, amount: amount(21_000) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      sender: user,
      amount: amount(21_000),
      shares: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }) }),
      mode: fc.constantFrom('lucky' as const, 'equal' as const),
      recipients: fc.option(fc.uniqueArray(user, { minLength: 1, maxLength: 4 }), { freq: 3 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      packet: fc.nat(),
      user,
      random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), packet: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.oneof(fc.integer({ min: 0, max: HOUR }), fc.constant(25 * HOUR)) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliver' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), index: fc.nat() }) },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

let ids = 0;
const nextId = (prefix: string) => `${prefix}-${++ids}`;

const apply = (system: ZanSystem, a: Action): void => {
  switch (a.kind) {
    case 'open':
      system.onWallet(a.user, { type: 'OpenWallet', data: { userId: a.user, kind: a.walletKind } });
      return;
    case 'link':
      // A personal card is one held by the name the wallet verifies with.
      system.onWallet(a.user, {
        type: 'LinkBankCard',
        data: { userId: a.user, cardId: a.card, holderName: '*', holderNameHash: nameHashOf(a.personal || a.card === 'c0' ? a.user : 'someone') },
      });
      return;
    case 'verify':
      system.onWallet(a.user, {
        type: 'RequestVerification',
        data: {
          userId: a.user,
          verificationId: nextId('v'),
          kind: 'individual',
          maskedName: '*',
          nameHash: nameHashOf(a.user),
          numberHash: nameHashOf(`id-${a.user}`),
        },
      });
      system.onWallet(a.user, { type: 'RecordVerification', data: { userId: a.user, decision: a.decision, decidedBy: 'admin' } });
      return;
    case 'fund':
      system.onWallet(a.user, { type: 'FundWallet', data: { userId: a.user, fundingId: nextId('f'), cardId: a.card, amount: a.amount } });
      return;
    case 'withdraw':
      system.onWallet(a.user, { type: 'WithdrawFunds', data: { userId: a.user, withdrawalId: nextId('w'), cardId: a.card, amount: a.amount } });
      return;
    case 'transfer':
      system.onWallet(a.from, {
        type: 'TransferFunds',
        data: { transferId: nextId('t'), fromUserId: a.from, toUserId: a.to, amount: a.amount, payeeExists: system.wallet(a.to).exists },
      });
      return;
    case 'tip':
      system.onWallet(a.reader, {
        type: 'PraiseTip',
        data: { tipId: nextId('tip'), readerId: a.reader, authorId: a.author, articleId: 'a-1', amount: a.amount, author: tipAuthor(system.wallet(a.author)) },
      });
      return;
    case 'send':
      system.onWallet(a.sender, {
        type: 'SendRedPacket',
        data: {
          redPacketId: nextId('rp'),
          senderId: a.sender,
          amount: a.amount,
          shares: a.shares,
          mode: a.mode,
          ...(a.recipients !== null && { recipients: a.recipients }),
          expiresAt: redPacketExpiresAt(system.now, system.context.limits),
        },
      });
      return;
    case 'claim': {
      if (system.packetIds.length === 0) return;
      const redPacketId = system.packetIds[a.packet % system.packetIds.length]!;
      system.onPacket(redPacketId, { type: 'ClaimRedPacket', data: { redPacketId, userId: a.user, now: system.now, random: () => a.random } });
      return;
    }
    case 'expire': {
      if (system.packetIds.length === 0) return;
      const redPacketId = system.packetIds[a.packet % system.packetIds.length]!;
      system.onPacket(redPacketId, { type: 'ExpireRedPacket', data: { redPacketId, now: system.now } });
      return;
    }
    case 'tick':
      system.nowMs += a.ms;
      return;
    case 'deliver':
      system.deliver(a.index);
      return;
    case 'redeliver':
      system.redeliverEscrow(a.index);
      return;
  }
};

describe('money conservation over random command sequences', () => {
  it('never lets a balance go negative and accounts for every fen at every step', () => {
    const emitted = new Map<string, number>();
    const rarelyReached: string[] = [];
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 150, size: 'max' }), (actions) => {
        const system = new ZanSystem();
        for (const a of actions) {
          apply(system, a);
          system.assertInvariants();
        }
        system.drain();
        system.assertInvariants();
        expect(system.moneyInFlight()).toBe(0);
        expect(system.heldByOpenPackets()).toBe(0);
        expect(system.balances()).toBe(system.funded - system.withdrawn);
        for (const [type, n] of system.emitted) emitted.set(type, (emitted.get(type) ?? 0) + n);
      }),
      PROPERTY_PARAMS,
    );
    // A property that never reached a feature proves nothing about it.
    for (const type of [
      'WalletFunded',
      'WalletWithdrawn',
      'FundsTransferred',
      'TransferReceived',
      'TipPraised',
      'TipReceived',
      'RedPacketSent',
      'RedPacketEscrowed',
      'RedPacketClaimed',
      'RedPacketShareReceived',
      'RedPacketExpired',
      'RedPacketRefunded',
    ]) {
      if ((emitted.get(type) ?? 0) < 20) rarelyReached.push(`${type}: ${emitted.get(type) ?? 0}`);
    }
    expect(rarelyReached).toEqual([]);
  });

  it('reports a rejection as a domain error, never as a crash', () => {
    const system = new ZanSystem();
    expect(system.onWallet('u0', { type: 'FundWallet', data: { userId: 'u0', fundingId: 'f', cardId: 'c0', amount: 100 } })).toBeInstanceOf(DomainError);
  });
});
