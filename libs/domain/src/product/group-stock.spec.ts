import type { DomainEvent } from '@zan/contracts';
import { specFor } from '../testing/given-when-then';
import type { ReleaseGroupStock, ReserveGroupStock } from './group-stock';
import { productDecider } from './product.decider';
import { NotTheProductMerchant, ProductGone, SoldOut } from './product.errors';
import { listed, reserved } from './product.fixtures';

const given = specFor(productDecider);
const reserve = (quantity: number, groupBuyId = 'g1', merchantId = 'shop'): ReserveGroupStock => ({
  type: 'ReserveGroupStock',
  data: { productId: 'p1', merchantId, groupBuyId, quantity },
});
const release = (groupBuyId = 'g1'): ReleaseGroupStock => ({ type: 'ReleaseGroupStock', data: { productId: 'p1', groupBuyId } });
const groupReserved = (quantity: number, stockLeft: number | null, groupBuyId = 'g1'): DomainEvent<'ProductGroupStockReserved'> => ({
  type: 'ProductGroupStockReserved',
  data: { productId: 'p1', merchantId: 'shop', groupBuyId, quantity, stockLeft },
});
const groupReleased = (quantity: number, groupBuyId = 'g1'): DomainEvent<'ProductGroupStockReleased'> => ({
  type: 'ProductGroupStockReleased',
  data: { productId: 'p1', merchantId: 'shop', groupBuyId, quantity },
});

describe('ReserveGroupStock (a group deal takes its units when it opens)', () => {
  it('takes as many units as the group’s size: its members’ orders come out of the stock like any order’s', () => {
    const { state } = given([listed(5)])
      .when(reserve(3))
      .then([groupReserved(3, 2)]);
    expect(state).toMatchObject({ stock: 2 });
    // What is left is all single orders may buy: never oversold.
    given([listed(5), groupReserved(3, 2)])
      .when({ type: 'ReserveStock', data: { productId: 'p1', orderId: 'o1', buyerId: 'bo', quantity: 3, expectedPrice: 1_000 } })
      .thenThrows(SoldOut);
  });

  it('answers sold out when the stock is short of the group’s size, and after single orders took it', () => {
    given([listed(2)])
      .when(reserve(3))
      .thenThrows(SoldOut, /2 units left, 3 needed/);
    given([listed(3), reserved(2, 1)])
      .when(reserve(2))
      .thenThrows(SoldOut);
  });

  it('never runs out of an unlimited stock', () => {
    given([listed(null)])
      .when(reserve(100))
      .then([groupReserved(100, null)]);
  });

  it('refuses a delisted product and another merchant’s', () => {
    given([listed(5), { type: 'ProductDelisted', data: { productId: 'p1', merchantId: 'shop' } }])
      .when(reserve(2))
      .thenThrows(ProductGone);
    given([listed(5)])
      .when(reserve(2, 'g1', 'rival'))
      .thenThrows(NotTheProductMerchant);
  });

  it('takes a deal’s units once', () => {
    given([listed(5), groupReserved(2, 3)])
      .when(reserve(2))
      .then([]);
  });
});

describe('ReleaseGroupStock (a failed deal’s units go back)', () => {
  it('gives back what the deal took, once, even on a delisted product', () => {
    const { state } = given([listed(5), groupReserved(3, 2), { type: 'ProductDelisted', data: { productId: 'p1', merchantId: 'shop' } }])
      .when(release())
      .then([groupReleased(3)]);
    expect(state).toMatchObject({ stock: 5 });
    given([listed(5), groupReserved(3, 2), groupReleased(3)])
      .when(release())
      .then([]);
  });

  it('gives back nothing to a count the deal did not take from: opened on an unlimited stock, then restocked', () => {
    // The merchant turned an unlimited product into 5 units while a deal of 3 was open: a failure
    // returns nothing to those 5 (8 would sell 3 units the merchant never had).
    const restocked: DomainEvent<'ProductRestocked'> = { type: 'ProductRestocked', data: { productId: 'p1', merchantId: 'shop', stock: 5 } };
    const { state } = given([listed(null), groupReserved(3, null), restocked])
      .when(release())
      .then([]);
    expect(state).toMatchObject({ stock: 5 });
    // Still taken once: an opening retried does not take them again.
    given([listed(null), groupReserved(3, null), restocked])
      .when(reserve(3))
      .then([]);
  });

  it('gives back nothing for a deal that took none (opened before deals took stock)', () => {
    given([listed(5)])
      .when(release('g-old'))
      .then([]);
    given([]).when(release()).then([]);
  });
});
