import { specFor } from '../testing/given-when-then';
import { productDecider } from './product.decider';
import { NotTheProductMerchant, ProductNotFound } from './product.errors';
import { listed } from './product.fixtures';

const given = specFor(productDecider);
const delist = (merchantId = 'shop') => ({ type: 'DelistProduct' as const, data: { productId: 'p1', merchantId } });
const delisted = { type: 'ProductDelisted' as const, data: { productId: 'p1', merchantId: 'shop' } };

describe('DelistProduct', () => {
  it('delists for good', () => {
    const { state } = given([listed()]).when(delist()).then([delisted]);
    expect(state.status).toBe('delisted');
  });
  it('changes nothing when delisted already', () => {
    given([listed(), delisted]).when(delist()).thenNothing();
  });
  it('is the merchant’s alone', () => given([listed()]).when(delist('mallory')).thenThrows(NotTheProductMerchant));
  it('needs a product', () => given([]).when(delist()).thenThrows(ProductNotFound));
});
