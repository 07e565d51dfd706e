import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { productDecider, type ProductCommand } from './product.decider';
import { ProductIdTaken } from './product.errors';
import { listed } from './product.fixtures';

const given = specFor(productDecider);
const list = (overrides: Record<string, unknown> = {}): ProductCommand =>
  ({
    type: 'ListProduct',
    data: { productId: 'p1', merchantId: 'shop', merchantName: '赞咖啡有限公司', title: '拿铁', price: 1_000, stock: 5, ...overrides },
  }) as ProductCommand;

describe('ListProduct (on product-<productId>)', () => {
  it('lists a product with a stock', () => {
    const { state } = given([]).when(list()).then([listed()]);
    expect(state).toMatchObject({ status: 'listed', price: 1_000, stock: 5, sold: 0 });
  });

  it('lists a product with unlimited stock (null)', () => {
    given([])
      .when(list({ stock: null }))
      .then([listed(null)]);
  });

  it('is a no-op for its merchant again (a retried command), a refusal for another', () => {
    given([listed()]).when(list()).thenNothing();
    given([listed()])
      .when(list({ merchantId: 'other' }))
      .thenThrows(ProductIdTaken);
  });

  it.each([
    [{ price: 0 }, /price/],
    [{ price: 1.5 }, /price/],
    [{ stock: -1 }, /stock/],
    [{ stock: 2.5 }, /stock/],
    [{ stock: '3' }, /stock/],
    [{ stock: 1_000_000_001 }, /stock/],
    [{ stock: Number.MAX_SAFE_INTEGER }, /stock/],
    [{ title: '' }, /title/],
    [{ title: 'a\u0007' }, /title/],
    [{ description: 'x'.repeat(501) }, /description/],
  ])('refuses %j as malformed', (overrides, detail) => {
    given([]).when(list(overrides)).thenThrows(InvalidCommand, detail);
  });
});
