import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { productDecider } from './product.decider';
import { NotTheProductMerchant, ProductGone, ProductNotFound } from './product.errors';
import { listed } from './product.fixtures';

const given = specFor(productDecider);
const reprice = (price: number, merchantId = 'shop') => ({ type: 'RepriceProduct' as const, data: { productId: 'p1', merchantId, price } });
const delisted = { type: 'ProductDelisted', data: { productId: 'p1', merchantId: 'shop' } };

describe('RepriceProduct', () => {
  it('changes the price, remembering the old one', () => {
    const { state } = given([listed()])
      .when(reprice(1_200))
      .then([{ type: 'ProductRepriced', data: { productId: 'p1', merchantId: 'shop', price: 1_200, previousPrice: 1_000 } }]);
    expect(state).toMatchObject({ price: 1_200 });
  });

  it('changes nothing at the same price', () => {
    given([listed()]).when(reprice(1_000)).thenNothing();
  });
  it('is the merchant’s alone', () => given([listed()]).when(reprice(900, 'mallory')).thenThrows(NotTheProductMerchant));
  it('needs a listed product', () => {
    given([]).when(reprice(900)).thenThrows(ProductNotFound);
    given([listed(), delisted]).when(reprice(900)).thenThrows(ProductGone);
  });
  it('refuses a price that is not a payable amount', () => given([listed()]).when(reprice(0)).thenThrows(InvalidCommand, /price/));
});
