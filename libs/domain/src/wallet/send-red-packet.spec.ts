import { DEFAULT_LIMITS, type DomainEvent, type RedPacketSent } from '@zan/contracts';
import { AmountOutOfRange, InsufficientFunds, InvalidCommand, InvalidRedPacket } from '../errors';
import { T0, T_EXPIRY, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { redPacketExpiresAt, RECIPIENTS_PER_MAX_SHARE, type SendRedPacket } from './send-red-packet';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);

const send = (data: Partial<Record<keyof SendRedPacket['data'], unknown>> = {}): SendRedPacket =>
  ({
    type: 'SendRedPacket',
    data: { redPacketId: 'rp-1', senderId: 'alice', amount: 1000, shares: 3, mode: 'lucky', expiresAt: T_EXPIRY, ...data },
  }) as SendRedPacket;

const sent = (data: Partial<RedPacketSent> = {}): DomainEvent<'RedPacketSent'> => ({
  type: 'RedPacketSent',
  data: { redPacketId: 'rp-1', senderId: 'alice', amount: 1000, shares: 3, mode: 'lucky', expiresAt: T_EXPIRY, ...data },
});

const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

describe('SendRedPacket (on the sender’s wallet)', () => {
  it('debits the whole amount', () => {
    const { state } = given(walletWith('alice', 1500)).when(send()).then([sent()]);
    expect(state.balance).toBe(500);
  });

  it('keeps greeting and recipients', () => {
    given(walletWith('alice', 1500))
      .when(send({ greeting: '恭喜发财', recipients: ['bob', 'carol', 'dave'], mode: 'equal' }))
      .then([sent({ greeting: '恭喜发财', recipients: ['bob', 'carol', 'dave'], mode: 'equal' })]);
  });

  it('accepts the limits themselves', () => {
    given(walletWith('alice', 50_000))
      .when(send({ amount: 20_000, shares: 100 }))
      .then([sent({ amount: 20_000, shares: 100 })]);
    given(walletWith('alice', 50_000))
      .when(send({ amount: 1, shares: 1 }))
      .then([sent({ amount: 1, shares: 1 })]);
  });

  it('rejects a total over the limit', () => {
    given(walletWith('alice', 50_000))
      .when(send({ amount: DEFAULT_LIMITS.redPacket.maxTotal + 1 }))
      .thenThrows(AmountOutOfRange);
  });

  it('rejects share counts outside the limits', () => {
    given(walletWith('alice', 50_000))
      .when(send({ shares: 0 }))
      .thenThrows(InvalidRedPacket);
    given(walletWith('alice', 50_000))
      .when(send({ shares: -2 }))
      .thenThrows(InvalidRedPacket);
    given(walletWith('alice', 50_000))
      .when(send({ amount: 10_000, shares: 101 }))
      .thenThrows(InvalidRedPacket);
  });

  it('rejects shares smaller than 1 fen', () => {
    given(walletWith('alice', 50_000))
      .when(send({ amount: 2, shares: 3 }))
      .thenThrows(InvalidRedPacket, /at least 1 fen/);
  });

  it('rejects an empty recipient list', () => {
    given(walletWith('alice', 50_000))
      .when(send({ recipients: [] }))
      .thenThrows(InvalidRedPacket);
  });

  it('rejects duplicate recipients', () => {
    given(walletWith('alice', 50_000))
      .when(send({ recipients: ['bob', 'bob', 'carol'] }))
      .thenThrows(InvalidRedPacket, /unique/);
  });

  it('rejects the sender as a recipient', () => {
    given(walletWith('alice', 50_000))
      .when(send({ recipients: ['alice', 'bob', 'carol'] }))
      .thenThrows(InvalidRedPacket, /sender/);
  });

  it('rejects fewer recipients than shares', () => {
    given(walletWith('alice', 50_000))
      .when(send({ recipients: ['bob', 'carol'] }))
      .thenThrows(InvalidRedPacket, /recipients/);
  });

  it('caps the recipient list', () => {
    const max = DEFAULT_LIMITS.redPacket.maxShares * RECIPIENTS_PER_MAX_SHARE;
    given(walletWith('alice', 50_000))
      .when(send({ recipients: users(max) }))
      .then([sent({ recipients: users(max) })]);
    given(walletWith('alice', 50_000))
      .when(send({ recipients: users(max + 1) }))
      .thenThrows(InvalidRedPacket);
  });

  it('rejects malformed fields', () => {
    given(walletWith('alice', 50_000))
      .when(send({ amount: 0 }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ amount: '1000' }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ shares: 2.5 }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ mode: 'random' }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ expiresAt: 'tomorrow' }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ expiresAt: '2025-01-02T00:00:00' }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ recipients: 'bob' }))
      .thenThrows(InvalidCommand);
    given(walletWith('alice', 50_000))
      .when(send({ recipients: ['bob', '', 'carol'] }))
      .thenThrows(InvalidCommand);
  });

  it('rejects more than the balance, and a missing wallet has none', () => {
    given(walletWith('alice', 999)).when(send()).thenThrows(InsufficientFunds);
    given([]).when(send()).thenThrows(InsufficientFunds);
  });

  it('computes expiresAt from the configured time to live', () => {
    expect(redPacketExpiresAt(T0, DEFAULT_LIMITS)).toBe(T_EXPIRY);
    expect(redPacketExpiresAt('2025-01-01T08:00:00+08:00', DEFAULT_LIMITS)).toBe(T_EXPIRY);
    expect(() => redPacketExpiresAt('now', DEFAULT_LIMITS)).toThrow(InvalidCommand);
  });
});
