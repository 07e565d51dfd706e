import type Redis from 'ioredis';
import { keys } from '../keys';
import { feedCursorBound, encodeFeedCursor, orderIdOfMember, orderView, productView, salesDays } from '../projections';
import { assertLimit } from '../read-model-store.port';
import type { FeedQuery, OrdersPage, OrderView, ProductView, SalesDay } from '../views';

/** Logical key -> the Redis key of the generation a query reads. */
type KeyOf = (logical: string) => string;

/**
 * The product card in one read: the product's hash, then its merchant's (named by the product) in
 * the same script. KEYS: 1 product:<id>. ARGV: 1 the merchant key prefix (prefix .. 'merchant:').
 */
const PRODUCT_CARD_SCRIPT = `
local product = redis.call('HGETALL', KEYS[1])
local merchantId
for i = 1, #product, 2 do
  if product[i] == 'merchantId' then merchantId = product[i + 1] end
end
local merchant = {}
if merchantId then merchant = redis.call('HGETALL', ARGV[1] .. merchantId) end
return { product, merchant }
`;
const PRODUCT_CARD = 'zanProductCard';

const toHash = (flat: string[]): Record<string, string> => {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
};

export class RedisCommerceQueries {
  constructor(private readonly redis: Redis) {
    redis.defineCommand(PRODUCT_CARD, { lua: PRODUCT_CARD_SCRIPT, numberOfKeys: 1, readOnly: true });
  }

  async product(keyOf: KeyOf, productId: string): Promise<ProductView | undefined> {
    const call = (this.redis as unknown as Record<string, (...args: string[]) => Promise<[string[], string[]]>>)[PRODUCT_CARD]!;
    const [product, merchant] = await call.call(this.redis, keyOf(keys.product(productId)), keyOf(keys.merchant('')));
    return productView(productId, toHash(product), toHash(merchant));
  }

  async orders(keyOf: KeyOf, list: string, { limit, before }: FeedQuery): Promise<OrdersPage> {
    assertLimit(limit);
    const bound = before === undefined ? '+' : `(${feedCursorBound(before)}`;
    const members = await this.redis.zrange(keyOf(list), bound, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = members.slice(0, limit);
    const pipeline = this.redis.pipeline();
    for (const member of page) pipeline.hgetall(keyOf(keys.order(orderIdOfMember(member))));
    const hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => {
      if (error) throw error;
      return hash as Record<string, string>;
    });
    const items = hashes.map(orderView).filter((view): view is OrderView => view !== undefined);
    return { items, ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]!) } : {}) };
  }

  async sales(keyOf: KeyOf, merchantId: string, from: string, to: string): Promise<SalesDay[]> {
    return salesDays(await this.redis.hgetall(keyOf(keys.merchantSales(merchantId))), from, to);
  }
}
