import { seededRandom, unguessableId } from '@zan/platform';
import { JoinGroupBuyCommand } from '../../../apps/api/src/group-buys/join-group-buy/join-group-buy.handler';
import { OpenGroupBuyCommand } from '../../../apps/api/src/group-buys/open-group-buy/open-group-buy.handler';
import { ListProductCommand } from '../../../apps/api/src/products/list-product/list-product.handler';
import { RefundOrderCommand } from '../../../apps/api/src/orders/refund-order/refund-order.handler';
import { MERCHANT } from './payments-workload';
import { SIMULATION_SECRETS } from './simulated-process';
import { commandIdOf, type Request } from './workload';

const LIST_KEY = 'list-product';
export const GROUP_BUY_PRODUCT = unguessableId(SIMULATION_SECRETS.idKey, 'product', MERCHANT, commandIdOf({ userId: MERCHANT, key: LIST_KEY }));

/** The merchant's product, listed after its verification (the merchant's setup runs first). */
export const productSetup = (): Request[] => [
  {
    at: 0,
    userId: MERCHANT,
    key: LIST_KEY,
    describe: 'shop lists a product',
    send: (p, c) => p.handlers.listProduct.execute(new ListProductCommand(c, { title: 'Mooncakes', price: 3_000, stock: null })),
  },
];

/**
 * Group buys, drawn from their own seeded source (the other requests' draws stay as they were): the
 * merchant opens groups of 2..4 with deadlines of 2..6 s at times spread over `spanMs`; as many
 * buyers as the group holds or one more join, half early and half within half a second of the
 * deadline, when the timer fires (an expiry racing the last join); a buyer may join twice, and some
 * joins are sent again with the same key. The merchant refunds some members' orders after the
 * deadline (refundsOf).
 */
export const groupBuyRequests = (seed: number, users: string[], groups: number, spanMs: number): Request[] => {
  const random = seededRandom(seed * 6_007 + 29);
  // The refunds' own source: the group buys' draws stay as they were before refunds entered.
  const refundRandom = seededRandom(seed * 7_919 + 31);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const requests: Request[] = [];
  for (let g = 0; g < groups; g += 1) {
    const key = `gb-open-${g}`;
    const groupBuyId = unguessableId(SIMULATION_SECRETS.idKey, 'group-buy', MERCHANT, commandIdOf({ userId: MERCHANT, key }));
    const [opensAt, size, seconds, price] = [between(0, spanMs), between(2, 4), between(2, 6), between(500, 3_000)];
    requests.push({
      at: opensAt,
      userId: MERCHANT,
      key,
      describe: `shop opens group ${g} of ${size} at ${price} for ${seconds} s`,
      send: (p, c) => p.handlers.openGroupBuy.execute(new OpenGroupBuyCommand(c, GROUP_BUY_PRODUCT, price, size, seconds)),
    });
    const joins = between(size, size + 1);
    for (let j = 0; j < joins; j += 1) {
      const userId = pick(users);
      const racing = random() < 0.5;
      const at = opensAt + (racing ? seconds * 1_000 + between(-500, 500) : between(1, seconds * 500));
      const join: Request = {
        at,
        userId,
        key: `gb-join-${g}-${j}`,
        describe: `${userId} joins group ${g}`,
        send: (p, c) => p.handlers.joinGroupBuy.execute(new JoinGroupBuyCommand(c, groupBuyId)),
      };
      requests.push(join);
      if (random() < 0.15) requests.push({ ...join, at: at + between(0, 2_000) });
      requests.push(...refundsOf(refundRandom, userId, join.key, price, opensAt + seconds * 1_000, g, j));
    }
  }
  return requests;
};

/**
 * The merchant refunds about a third of the joins' orders (order id = the join's id), in one to three
 * refunds from just before to a few seconds after the deadline: some before the group settled or of
 * a join that never became an order (404), some summing past what was paid (422), some retried.
 */
const refundsOf = (random: () => number, buyerId: string, joinKey: string, price: number, deadline: number, g: number, j: number): Request[] => {
  if (random() >= 0.35) return [];
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const orderId = unguessableId(SIMULATION_SECRETS.idKey, 'group-buy-join', buyerId, commandIdOf({ userId: buyerId, key: joinKey }));
  const requests: Request[] = [];
  for (let r = 0, refunds = between(1, 3); r < refunds; r += 1) {
    const amount = between(1, Math.ceil((price * 2) / 3));
    const refund: Request = {
      at: deadline + between(-500, 4_000),
      userId: MERCHANT,
      key: `gb-refund-${g}-${j}-${r}`,
      describe: `shop refunds ${amount} of ${buyerId}'s order in group ${g}`,
      send: (p, c) => p.handlers.refundOrder.execute(new RefundOrderCommand(c, false, orderId, amount)),
    };
    requests.push(refund);
    if (random() < 0.2) requests.push({ ...refund, at: refund.at + between(0, 1_000) });
  }
  return requests;
};
