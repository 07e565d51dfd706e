import type { DomainEvent, GroupBuyFundsHeld, GroupBuyMember } from '@zan/contracts';

/** Fixtures of the group-buy specs: one deal, `shop` selling `p1` at 2,000 fen a member. */
export const T_OPEN = '2026-01-01T00:00:00.000Z';
export const T_DEADLINE = '2026-01-01T01:00:00.000Z';
export const T_BEFORE = '2026-01-01T00:30:00.000Z';

export const opened = (groupSize = 3): DomainEvent<'GroupBuyOpened'> => ({
  type: 'GroupBuyOpened',
  data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', groupPrice: 2_000, groupSize, expiresAt: T_DEADLINE },
});

export const held = (buyerId: string): GroupBuyFundsHeld => ({
  groupBuyId: 'g1',
  joinId: `join-${buyerId}`,
  productId: 'p1',
  merchantId: 'shop',
  buyerId,
  amount: 2_000,
});

export const member = (buyerId: string): GroupBuyMember => ({ buyerId, joinId: `join-${buyerId}`, amount: 2_000, holdId: `hold-${buyerId}` });

export const joined = (buyerId: string, members: number): DomainEvent<'GroupBuyJoined'> => ({
  type: 'GroupBuyJoined',
  data: { groupBuyId: 'g1', ...member(buyerId), members },
});
