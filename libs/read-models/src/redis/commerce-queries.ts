import type { RedisClient } from './client';
import { keys } from '../keys';
import { feedCursorBound, encodeFeedCursor, orderIdOfMember, orderView, productView, salesDays } from '../projections';
import { assertLimit } from '../read-model-store.port';
import type { FeedQuery, OrdersPage, OrderView, ProductView, SalesDay } from '../views';

/** Logical key -> the Redis key of the generation a query reads. */
type KeyOf = (logical: string) => string;

export class RedisCommerceQueries {
  constructor(private readonly redis: RedisClient) {}

  /**
   * The product card: the product's hash, then its merchant's (named by the product). Two reads, as
   * the product and its merchant live in different slots; the merchant's rating may be a moment
   * fresher than the product, as it may be when read at any time.
   */
  async product(keyOf: KeyOf, productId: string): Promise<ProductView | undefined> {
    const product = await this.redis.hgetall(keyOf(keys.product(productId)));
    const merchant = product.merchantId === undefined ? {} : await this.redis.hgetall(keyOf(keys.merchant(product.merchantId)));
    return productView(productId, product, merchant);
  }

  async orders(keyOf: KeyOf, list: string, { limit, before }: FeedQuery): Promise<OrdersPage> {
    assertLimit(limit);
    const bound = before === undefined ? '+' : `(${feedCursorBound(before)}`;
    const members = await this.redis.zrange(keyOf(list), bound, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = members.slice(0, limit);
    // Orders live in their own slots: one read each, sent together.
    const hashes = await Promise.all(page.map((member) => this.redis.hgetall(keyOf(keys.order(orderIdOfMember(member))))));
    const items = hashes.map(orderView).filter((view): view is OrderView => view !== undefined);
    return { items, ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]!) } : {}) };
  }

  async sales(keyOf: KeyOf, merchantId: string, from: string, to: string): Promise<SalesDay[]> {
    return salesDays(await this.redis.hgetall(keyOf(keys.merchantSales(merchantId))), from, to);
  }
}
