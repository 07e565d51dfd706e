import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { AlreadyJoined, GroupBuyClosed, GroupBuyFull, GroupBuyNotFound, GroupBuyProductDelisted } from './group-buy.errors';
import { T_BEFORE, T_DEADLINE, held, joined, member, opened } from './group-buy.fixtures';
import { groupBuyDecider } from './group-buy.decider';
import { joinRefusal, type JoinGroupBuy, type RefuseGroupBuyJoin } from './join-group-buy';
import { evolve, initialState, type GroupBuy } from './group-buy.state';

const given = specFor(groupBuyDecider);
const join = (buyerId: string, now = T_BEFORE): JoinGroupBuy => ({ type: 'JoinGroupBuy', data: { held: held(buyerId), holdId: `hold-${buyerId}`, now } });
/** A second hold of the same buyer (a race with their first join), refused. */
const refuse = (buyerId: string, reason: string): RefuseGroupBuyJoin => ({
  type: 'RefuseGroupBuyJoin',
  data: { held: held(buyerId), holdId: `hold-${buyerId}-2`, reason },
});

const openGroup = evolve(initialState, opened(2)) as GroupBuy;

describe('JoinGroupBuy', () => {
  it('adds a held buyer as a member', () => {
    const { state } = given([opened(3)])
      .when(join('bo'))
      .then([joined('bo', 1)]);
    expect(state).toMatchObject({ status: 'open', members: [member('bo')] });
  });

  it('completes the group with the member that fills it: one order per member', () => {
    const { state } = given([opened(2), joined('bo', 1)])
      .when(join('cy'))
      .then([
        joined('cy', 2),
        { type: 'GroupBuyCompleted', data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [member('bo'), member('cy')] } },
      ]);
    expect(state.status).toBe('completed');
  });

  it('refuses a buyer who joined already (409)', () => {
    given([opened(3), joined('bo', 1)])
      .when(join('bo'))
      .thenThrows(AlreadyJoined);
  });

  it('refuses a full group (410)', () => {
    given([
      opened(2),
      joined('bo', 1),
      joined('cy', 2),
      { type: 'GroupBuyCompleted', data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [member('bo'), member('cy')] } },
    ])
      .when(join('di'))
      .thenThrows(GroupBuyFull);
  });

  it('refuses a join at or after the deadline, even before the timer ran (410)', () => {
    given([opened(3)])
      .when(join('bo', T_DEADLINE))
      .thenThrows(GroupBuyClosed);
  });

  it('refuses a failed group (410)', () => {
    given([opened(3), { type: 'GroupBuyFailed', data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [] } }])
      .when(join('bo'))
      .thenThrows(GroupBuyClosed);
  });

  it('refuses a join once the deal’s product is delisted (410 product-delisted): the group can no longer fill', () => {
    given([opened(2), joined('bo', 1)])
      .when({ type: 'JoinGroupBuy', data: { held: held('cy'), holdId: 'hold-cy', now: T_BEFORE, productDelisted: true } })
      .thenThrows(GroupBuyProductDelisted);
    expect(joinRefusal({ ...openGroup, members: [] }, 'cy', Date.parse(T_BEFORE), true)).toBeInstanceOf(GroupBuyProductDelisted);
  });

  it('refuses an unknown group (404)', () => {
    given([]).when(join('bo')).thenThrows(GroupBuyNotFound);
  });

  it('rejects a hold that does not match the deal', () => {
    given([opened(3)])
      .when({ type: 'JoinGroupBuy', data: { held: { ...held('bo'), amount: 1 }, holdId: 'hold-bo', now: T_BEFORE } })
      .thenThrows(InvalidCommand);
  });
});

describe('RefuseGroupBuyJoin', () => {
  it('records the refused hold so its money returns', () => {
    given([opened(3), joined('bo', 1)])
      .when(refuse('bo', 'already-joined'))
      .then([{ type: 'GroupBuyJoinRefused', data: { groupBuyId: 'g1', ...member('bo'), holdId: 'hold-bo-2', reason: 'already-joined' } }]);
  });

  it('records nothing for a hold decided already (it joined)', () => {
    given([opened(3), joined('bo', 1)])
      .when({ type: 'RefuseGroupBuyJoin', data: { held: held('bo'), holdId: 'hold-bo', reason: 'x' } })
      .thenNothing();
  });
});
