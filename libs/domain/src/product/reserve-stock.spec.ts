import { InvalidCommand, NotAMerchant, NothingToRelease, SelfPayment } from '../errors';
import { specFor } from '../testing/given-when-then';
import { productDecider } from './product.decider';
import { PriceChanged, ProductGone, ProductNotFound, SoldOut } from './product.errors';
import { listed, reserved } from './product.fixtures';

const given = specFor(productDecider);
const reserve = (quantity: number, expectedPrice = 1_000, buyerId = 'alice', orderId = 'o1') => ({
  type: 'ReserveStock' as const,
  data: { productId: 'p1', orderId, buyerId, quantity, expectedPrice },
});

describe('ReserveStock (step 1 of an order, on the product stream)', () => {
  it('takes units at the price the buyer saw', () => {
    const { state } = given([listed(5)])
      .when(reserve(2))
      .then([reserved(2, 3)]);
    expect(state).toMatchObject({ stock: 3, sold: 2 });
  });

  it('takes the last units, then answers sold out', () => {
    given([listed(2)])
      .when(reserve(2))
      .then([reserved(2, 0)]);
    given([listed(2), reserved(2, 0)])
      .when(reserve(1, 1_000, 'bob', 'o2'))
      .thenThrows(SoldOut);
    given([listed(2)])
      .when(reserve(3))
      .thenThrows(SoldOut, /2 units left/);
  });

  it('never runs out of an unlimited stock', () => {
    given([listed(null)])
      .when(reserve(1000))
      .then([reserved(1000, null)]);
  });

  it('answers price-changed when the card the buyer saw was stale', () => {
    given([listed(5)])
      .when(reserve(1, 900))
      .thenThrows(PriceChanged, /1000 fen now/);
  });

  it('refuses an unknown or delisted product, and the merchant buying from themselves', () => {
    given([]).when(reserve(1)).thenThrows(ProductNotFound);
    given([listed(), { type: 'ProductDelisted', data: { productId: 'p1', merchantId: 'shop' } }])
      .when(reserve(1))
      .thenThrows(ProductGone);
    given([listed()])
      .when(reserve(1, 1_000, 'shop'))
      .thenThrows(SelfPayment);
  });

  it('refuses a merchant the handler found rejected (a recovery skips its pre-checks), and sells for one that is a merchant', () => {
    given([listed(5)])
      .when({ ...reserve(1), data: { ...reserve(1).data, merchant: false } })
      .thenThrows(NotAMerchant);
    given([listed(5)])
      .when({ ...reserve(2), data: { ...reserve(2).data, merchant: true } })
      .then([reserved(2, 3)]);
  });

  it.each([0, -1, 1.5, 1001])('refuses a quantity of %p as malformed', (quantity) => {
    given([listed(null)])
      .when(reserve(quantity))
      .thenThrows(InvalidCommand, /quantity/);
  });
});

describe('ReleaseStock (compensation: the payment was declined)', () => {
  it('gives the units back', () => {
    const release = { type: 'ReleaseStock' as const, data: { productId: 'p1', orderId: 'o1', quantity: 2, reason: 'insufficient-funds' } };
    const { state } = given([listed(2), reserved(2, 0)])
      .when(release)
      .then([{ type: 'ProductStockReleased', data: { productId: 'p1', merchantId: 'shop', orderId: 'o1', quantity: 2, reason: 'insufficient-funds' } }]);
    expect(state).toMatchObject({ stock: 2, sold: 0 });
  });

  it('never releases more than was sold; not final, another replica may have stored the sale', () => {
    given([listed(2)])
      .when({ type: 'ReleaseStock', data: { productId: 'p1', orderId: 'o1', quantity: 1, reason: 'x' } })
      .thenThrows(NothingToRelease);
    expect(new NothingToRelease('x').final).toBe(false);
  });
});

describe('ReleaseStock, redelivered', () => {
  it('changes nothing the second time', () => {
    const release = { type: 'ReleaseStock' as const, data: { productId: 'p1', orderId: 'o1', quantity: 2, reason: 'insufficient-funds' } };
    const released = {
      type: 'ProductStockReleased' as const,
      data: { productId: 'p1', merchantId: 'shop', orderId: 'o1', quantity: 2, reason: 'insufficient-funds' },
    };
    given([listed(2), reserved(2, 0), released])
      .when(release)
      .thenNothing();
  });
});
