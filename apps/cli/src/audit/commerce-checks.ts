import type { EventDataByType, StoredEvent } from '@zan/contracts';

type Data<T extends keyof EventDataByType> = EventDataByType[T];

/**
 * The commerce rules the audit checks beside the money pairs: no product's stock ever negative (its
 * stock replayed from its own events, every reservation's `stockLeft` agreeing), and an order's
 * refunds paid out never more than it paid (a group buy's order: what its member's hold paid the merchant). Memory grows with products with a stock and with orders.
 */
export class CommerceChecks {
  readonly orders = { paid: 0, count: 0, refunded: 0, refunds: 0 };
  private readonly stock = new Map<string, number | null>();
  private readonly paid = new Map<string, { amount: number; refunded: number }>();

  constructor(private readonly report: (message: string, position: bigint) => void) {}

  apply(event: StoredEvent): void {
    switch (event.type) {
      case 'ProductListed':
      case 'ProductRestocked': {
        const d = event.data as Data<'ProductRestocked'>;
        if (d.stock !== null && !(d.stock >= 0)) this.report(`${event.type} of ${d.productId} at ${event.position} sets a stock of ${d.stock}`, event.position);
        this.stock.set(d.productId, d.stock);
        return;
      }
      case 'ProductStockReserved':
      case 'ProductGroupStockReserved': {
        // A group deal's units are taken like an order's (docs/commerce.md, "Group buys").
        const d = event.data as Data<'ProductStockReserved' | 'ProductGroupStockReserved'>;
        const before = this.stock.get(d.productId);
        const after = before === undefined || before === null ? null : before - d.quantity;
        if (after !== null && after < 0)
          this.report(`product ${d.productId} sold ${d.quantity} units with ${String(before)} left at ${event.position}`, event.position);
        if (before !== undefined && after !== d.stockLeft)
          this.report(
            `reservation at ${event.position} leaves ${String(d.stockLeft)} units of ${d.productId}, its events leave ${String(after)}`,
            event.position,
          );
        this.stock.set(d.productId, d.stockLeft);
        return;
      }
      case 'ProductStockReleased':
      case 'ProductGroupStockReleased': {
        const d = event.data as Data<'ProductStockReleased' | 'ProductGroupStockReleased'>;
        const before = this.stock.get(d.productId);
        if (before !== undefined && before !== null) this.stock.set(d.productId, before + d.quantity);
        return;
      }
      case 'OrderPlaced':
      case 'GroupBuyPaymentReceived': {
        // A group buy's member is paid for by its hold, credited to the merchant: its order (orderId = joinId) is refunded like any.
        const d = event.data as Data<'OrderPlaced' | 'GroupBuyPaymentReceived'>;
        if (this.paid.has(d.orderId)) this.report(`order ${d.orderId} paid twice (at ${event.position})`, event.position);
        this.paid.set(d.orderId, { amount: d.amount, refunded: 0 });
        this.orders.paid += d.amount;
        this.orders.count++;
        return;
      }
      case 'OrderRefunded': {
        const d = event.data as Data<'OrderRefunded'>;
        this.orders.refunded += d.amount;
        this.orders.refunds++;
        const order = this.paid.get(d.orderId);
        if (!order) return this.report(`refund ${d.refundId} at ${event.position} of order ${d.orderId}, which was never paid`, event.position);
        order.refunded += d.amount;
        if (order.refunded > order.amount)
          this.report(`order ${d.orderId} refunded ${order.refunded} fen of the ${order.amount} paid (at ${event.position})`, event.position);
        return;
      }
      default:
        return;
    }
  }
}
