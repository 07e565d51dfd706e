import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { productDecider } from './product.decider';
import { NotTheProductMerchant } from './product.errors';
import { listed, reserved } from './product.fixtures';
import { MAX_STOCK } from './product.rules';

const given = specFor(productDecider);
const restock = (stock: unknown, merchantId = 'shop') => ({ type: 'RestockProduct' as const, data: { productId: 'p1', merchantId, stock: stock as number } });

describe('RestockProduct', () => {
  it('sets the units left, keeping what was sold', () => {
    const { state } = given([listed(2), reserved(2, 0)])
      .when(restock(10))
      .then([{ type: 'ProductRestocked', data: { productId: 'p1', merchantId: 'shop', stock: 10 } }]);
    expect(state).toMatchObject({ stock: 10, sold: 2 });
  });

  it('makes the stock unlimited with null, and back', () => {
    const { state } = given([listed(2)])
      .when(restock(null))
      .then([{ type: 'ProductRestocked', data: { productId: 'p1', merchantId: 'shop', stock: null } }]);
    expect(state).toMatchObject({ stock: null });
  });

  it('changes nothing for the same stock', () => {
    given([listed(2)])
      .when(restock(2))
      .thenNothing();
  });
  it('never sets a negative stock', () =>
    given([listed(2)])
      .when(restock(-1))
      .thenThrows(InvalidCommand, /stock/));
  it('sets at most MAX_STOCK units, so units coming back can never push the stock past the safe integers', () => {
    given([listed(2)])
      .when(restock(MAX_STOCK))
      .then([{ type: 'ProductRestocked', data: { productId: 'p1', merchantId: 'shop', stock: MAX_STOCK } }]);
    for (const stock of [MAX_STOCK + 1, Number.MAX_SAFE_INTEGER])
      given([listed(2)])
        .when(restock(stock))
        .thenThrows(InvalidCommand, /stock/);
  });
  it('is the merchant’s alone', () =>
    given([listed(2)])
      .when(restock(5, 'mallory'))
      .thenThrows(NotTheProductMerchant));
});
