import { specFor } from '../testing/given-when-then';
import { orderDecider } from './order.decider';
import { opened } from './order.fixtures';

const given = specFor(orderDecider);
const open = { type: 'OpenOrder' as const, data: { placed: opened().data } };

describe('OpenOrder (from the buyer’s OrderPlaced)', () => {
  it('copies the paid order onto its own stream, once', () => {
    given([]).when(open).then([opened()]);
    given([opened()]).when(open).thenNothing();
  });
});
