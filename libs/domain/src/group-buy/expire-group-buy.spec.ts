import { specFor } from '../testing/given-when-then';
import { GroupBuyNotFound } from './group-buy.errors';
import { T_BEFORE, T_DEADLINE, joined, member, opened } from './group-buy.fixtures';
import { groupBuyDecider } from './group-buy.decider';
import type { ExpireGroupBuy } from './expire-group-buy';

const given = specFor(groupBuyDecider);
const expire = (now: string): ExpireGroupBuy => ({ type: 'ExpireGroupBuy', data: { groupBuyId: 'g1', now } });
const completed = {
  type: 'GroupBuyCompleted' as const,
  data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [member('bo'), member('cy')] },
};

describe('ExpireGroupBuy', () => {
  it('fails an unfilled group at its deadline, naming every member whose money returns', () => {
    const { state } = given([opened(3), joined('bo', 1)])
      .when(expire(T_DEADLINE))
      .then([{ type: 'GroupBuyFailed', data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [member('bo')] } }]);
    expect(state.status).toBe('failed');
  });

  it('is a no-op before the deadline', () => {
    given([opened(3), joined('bo', 1)])
      .when(expire(T_BEFORE))
      .thenNothing();
  });

  it('is a no-op once completed: a full group never fails', () => {
    given([opened(2), joined('bo', 1), joined('cy', 2), completed])
      .when(expire(T_DEADLINE))
      .thenNothing();
  });

  it('is a no-op once failed: the money returns once', () => {
    given([opened(3), { type: 'GroupBuyFailed', data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [] } }])
      .when(expire(T_DEADLINE))
      .thenNothing();
  });

  it('rejects an unknown group', () => {
    given([]).when(expire(T_DEADLINE)).thenThrows(GroupBuyNotFound);
  });
});
