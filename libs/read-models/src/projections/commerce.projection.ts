import type { StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import { isEventOf, type Change, type Projection } from '../projection';
import { padPosition } from '../positions';
import type { OrderView, ProductView, RatingView, SalesDay } from '../views';
import { intField, type RawHash } from './raw';

/** The calendar day of an instant in China Standard Time (UTC+8, no daylight saving). */
export const beijingDayOf = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The product card, orders and merchants' sales. product:<id> holds the card's own fields (stock as a
 * number beside `unlimited`), `sold` and the product's rating sums; merchant:<id> the merchant's rating
 * sums; order:<id> an order (placed, refunded, rated); buyer-orders:<id> and merchant-orders:<id> list
 * orders like a feed (`<position>|<orderId>`, score 0); merchant-sales:<id> counts per Beijing day.
 *
 * Order independence: a product's own fields come from one stream, in order (last write wins); every
 * field fed by another stream (ratings, refunds, sales counters) only adds.
 */
export const commerceProjection: Projection = {
  name: 'commerce',
  project(event) {
    return productChanges(event) ?? orderChanges(event) ?? [];
  },
};

const productChanges = (event: StoredEvent): Change[] | undefined => {
  if (isEventOf(event, 'ProductListed')) {
    const { productId, merchantId, merchantName, title, price, stock, description } = event.data;
    const values: Record<string, string | number> = {
      productId,
      merchantId,
      merchantName,
      title,
      price,
      stock: stock ?? 0,
      unlimited: stock === null ? 1 : 0,
      status: 'listed',
    };
    if (description !== undefined) values.description = description;
    return [{ op: 'hset', key: keys.product(productId), values }];
  }
  if (isEventOf(event, 'ProductRepriced')) return [{ op: 'hset', key: keys.product(event.data.productId), values: { price: event.data.price } }];
  if (isEventOf(event, 'ProductRestocked')) {
    const { productId, stock } = event.data;
    return [{ op: 'hset', key: keys.product(productId), values: { stock: stock ?? 0, unlimited: stock === null ? 1 : 0 } }];
  }
  if (isEventOf(event, 'ProductDelisted')) return [{ op: 'hset', key: keys.product(event.data.productId), values: { status: 'delisted' } }];
  if (isEventOf(event, 'ProductStockReserved')) {
    const { productId, quantity, stockLeft } = event.data;
    return [
      { op: 'hset', key: keys.product(productId), values: { stock: stockLeft ?? 0 } },
      { op: 'hincrby', key: keys.product(productId), field: 'sold', by: quantity },
    ];
  }
  // A group deal's units: out of the stock while it is open; counted `sold` when it completes (group-buys.projection.ts).
  if (isEventOf(event, 'ProductGroupStockReserved')) {
    return [{ op: 'hset', key: keys.product(event.data.productId), values: { stock: event.data.stockLeft ?? 0 } }];
  }
  if (isEventOf(event, 'ProductGroupStockReleased')) {
    return [{ op: 'hincrby', key: keys.product(event.data.productId), field: 'stock', by: event.data.quantity }];
  }
  if (isEventOf(event, 'ProductStockReleased')) {
    const { productId, quantity } = event.data;
    return [
      { op: 'hincrby', key: keys.product(productId), field: 'stock', by: quantity },
      { op: 'hincrby', key: keys.product(productId), field: 'sold', by: -quantity },
    ];
  }
  return undefined;
};

const orderChanges = (event: StoredEvent): Change[] | undefined => {
  if (isEventOf(event, 'OrderPlaced')) {
    const { orderId, productId, merchantId, buyerId, quantity, unitPrice, amount } = event.data;
    const member = `${padPosition(event.position)}|${orderId}`;
    const day = beijingDayOf(event.occurredAt);
    return [
      { op: 'hset', key: keys.order(orderId), values: { orderId, productId, merchantId, buyerId, quantity, unitPrice, amount, at: event.occurredAt } },
      { op: 'zadd', key: keys.buyerOrders(buyerId), score: 0, member },
      { op: 'zadd', key: keys.merchantOrders(merchantId), score: 0, member },
      { op: 'hincrby', key: keys.merchantSales(merchantId), field: `${day}:orders`, by: 1 },
      { op: 'hincrby', key: keys.merchantSales(merchantId), field: `${day}:gross`, by: amount },
    ];
  }
  if (isEventOf(event, 'OrderRefunded')) {
    const { orderId, merchantId, amount } = event.data;
    return [
      { op: 'hincrby', key: keys.order(orderId), field: 'refunded', by: amount },
      { op: 'hincrby', key: keys.merchantSales(merchantId), field: `${beijingDayOf(event.occurredAt)}:refunds`, by: amount },
    ];
  }
  if (isEventOf(event, 'OrderRated')) {
    const { orderId, productId, merchantId, stars } = event.data;
    return [
      { op: 'hset', key: keys.order(orderId), values: { stars } },
      { op: 'hincrby', key: keys.product(productId), field: 'ratingSum', by: stars },
      { op: 'hincrby', key: keys.product(productId), field: 'ratingCount', by: 1 },
      { op: 'hincrby', key: keys.merchant(merchantId), field: 'ratingSum', by: stars },
      { op: 'hincrby', key: keys.merchant(merchantId), field: 'ratingCount', by: 1 },
    ];
  }
  return undefined;
};

const ratingOf = (hash: RawHash): RatingView => {
  const count = intField(hash, 'ratingCount');
  return { average: count === 0 ? 0 : Math.round((intField(hash, 'ratingSum') / count) * 100) / 100, count };
};

/** Undefined until the listing is applied. */
export const productView = (productId: string, product: RawHash, merchant: RawHash): ProductView | undefined => {
  if (product.merchantId === undefined) return undefined;
  return {
    productId,
    merchantId: product.merchantId,
    merchantName: product.merchantName ?? '',
    title: product.title ?? '',
    ...(product.description !== undefined && { description: product.description }),
    price: intField(product, 'price'),
    stock: product.unlimited === '1' ? null : intField(product, 'stock'),
    sold: intField(product, 'sold'),
    status: product.status === 'delisted' ? 'delisted' : 'listed',
    rating: ratingOf(product),
    merchantRating: ratingOf(merchant),
  };
};

/** Undefined until the order is applied. */
export const orderView = (hash: RawHash): OrderView | undefined => {
  if (hash.buyerId === undefined || hash.orderId === undefined) return undefined;
  const amount = intField(hash, 'amount');
  const refunded = intField(hash, 'refunded');
  return {
    orderId: hash.orderId,
    productId: hash.productId ?? '',
    merchantId: hash.merchantId ?? '',
    buyerId: hash.buyerId,
    quantity: intField(hash, 'quantity'),
    unitPrice: intField(hash, 'unitPrice'),
    amount,
    refunded,
    status: refunded === 0 ? 'paid' : refunded >= amount ? 'refunded' : 'partially-refunded',
    ...(hash.stars !== undefined && { stars: Number(hash.stars) }),
    ...(hash.groupBuyId !== undefined && { groupBuyId: hash.groupBuyId }),
    at: hash.at ?? '',
  };
};

/** The order id of a list member. */
export const orderIdOfMember = (member: string): string => member.slice(member.indexOf('|') + 1);

/** Every day from `from` to `to` (inclusive, YYYY-MM-DD), zeros where nothing was sold. */
export const salesDays = (hash: RawHash, from: string, to: string): SalesDay[] => {
  const days: SalesDay[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const gross = intField(hash, `${day}:gross`);
    const refunds = intField(hash, `${day}:refunds`);
    days.push({ day, orders: intField(hash, `${day}:orders`), gross, refunds, net: gross - refunds });
  }
  return days;
};
