import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { GroupBuyIdTaken } from './group-buy.errors';
import { T_DEADLINE, opened } from './group-buy.fixtures';
import { groupBuyDecider } from './group-buy.decider';
import type { OpenGroupBuy } from './open-group-buy';

const given = specFor(groupBuyDecider);
const open = (overrides: Partial<OpenGroupBuy['data']> = {}): OpenGroupBuy => ({
  type: 'OpenGroupBuy',
  data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', groupPrice: 2_000, groupSize: 3, expiresAt: T_DEADLINE, ...overrides },
});

describe('OpenGroupBuy', () => {
  it('opens the deal', () => {
    const { state } = given([])
      .when(open())
      .then([opened(3)]);
    expect(state).toMatchObject({ status: 'open', members: [], groupSize: 3 });
  });

  it('changes nothing when opened again', () => {
    given([opened(3)])
      .when(open())
      .thenNothing();
  });

  it('refuses another deal under the same id', () => {
    given([opened(3)])
      .when(open({ merchantId: 'other' }))
      .thenThrows(GroupBuyIdTaken);
  });

  it.each([1, 101, 2.5])('rejects a group size of %s', (groupSize) => {
    given([]).when(open({ groupSize })).thenThrows(InvalidCommand);
  });

  it('rejects a price that is not a payable amount of fen', () => {
    given([])
      .when(open({ groupPrice: 0 }))
      .thenThrows(InvalidCommand);
  });
});
