import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { orderDecider } from './order.decider';
import { AlreadyRated, NotYourOrder, OrderNotFound } from './order.errors';
import { opened } from './order.fixtures';

const given = specFor(orderDecider);
const rate = (stars: number, buyerId = 'alice') => ({ type: 'RateOrder' as const, data: { orderId: 'o1', buyerId, stars } });
const rated = { type: 'OrderRated' as const, data: { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'alice', stars: 4 } };

describe('RateOrder', () => {
  it('lets the buyer rate a paid order once', () => {
    given([opened()]).when(rate(4)).then([rated]);
    given([opened(), rated]).when(rate(5)).thenThrows(AlreadyRated);
  });
  it('is the buyer’s alone, and only after paying', () => {
    given([opened()]).when(rate(4, 'mallory')).thenThrows(NotYourOrder);
    given([]).when(rate(4)).thenThrows(OrderNotFound);
  });
  it.each([0, 6, 2.5])('refuses %p stars', (stars) => given([opened()]).when(rate(stars)).thenThrows(InvalidCommand, /stars/));
});
