/**
 * Payload schemas of commerce's events (products, orders, refunds, paying by code), by type and
 * version: part of EVENT_SCHEMAS (schemas.ts), kept apart so each file reads as one subject.
 */
import type { ZanEventType } from './events';
import {
  MERCHANT_NAME_MAX_LENGTH,
  PAYMENT_REFERENCE_MAX_LENGTH,
  PRODUCT_DESCRIPTION_MAX_LENGTH,
  PRODUCT_TITLE_MAX_LENGTH,
  REFUND_REASON_MAX_LENGTH,
} from './text';
import { fen, id, uuid, object, text, stock, quantity, order, orderMoney, type JsonSchema } from './schema-parts';

const codeId: JsonSchema = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 of the payment code, hex: names the code without revealing it (whoever knows the code can pay it)',
};
const reference: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: PAYMENT_REFERENCE_MAX_LENGTH,
  description: "the merchant's reference for the payment (a bill or invoice number): free text, no control characters",
};

type CommerceEventType = Extract<ZanEventType, `Product${string}` | `Order${string}` | `PaymentCode${string}` | `Merchant${string}`>;

export const COMMERCE_EVENT_SCHEMAS: { [T in CommerceEventType]: Record<number, JsonSchema> } = {
  ProductListed: {
    1: object(
      'First event of `product-<productId>`: a merchant (a verified business wallet) listed a product',
      {
        productId: id('the product'),
        merchantId: id('who sells it'),
        merchantName: text(MERCHANT_NAME_MAX_LENGTH, "the merchant's company name (a business's registered name, never an individual's)"),
        title: text(PRODUCT_TITLE_MAX_LENGTH, 'the title'),
        price: fen('the price of one unit'),
        stock: stock('units for sale'),
        description: text(PRODUCT_DESCRIPTION_MAX_LENGTH, 'the description'),
      },
      ['description'],
    ),
    2: object(
      'First event of `product-<productId>`: a merchant (a verified business wallet) listed a product',
      {
        productId: id('the product'),
        merchantId: id('who sells it'),
        merchantName: text(
          MERCHANT_NAME_MAX_LENGTH,
          "the merchant's company name masked (first character, then one * per character), or its id when no verified name was kept",
        ),
        title: text(PRODUCT_TITLE_MAX_LENGTH, 'the title'),
        price: fen('the price of one unit'),
        stock: stock('units for sale'),
        description: text(PRODUCT_DESCRIPTION_MAX_LENGTH, 'the description'),
      },
      ['description'],
    ),
  },
  ProductRepriced: {
    1: object('The merchant changed the price (orders made at the old price are answered 409 price-changed)', {
      productId: id('the product'),
      merchantId: id('who sells it'),
      price: fen('the new price of one unit'),
      previousPrice: fen('the price before'),
    }),
  },
  ProductRestocked: {
    1: object('The merchant set the stock left', { productId: id('the product'), merchantId: id('who sells it'), stock: stock('units left') }),
  },
  ProductDelisted: { 1: object('The product is no longer for sale, for good', { productId: id('the product'), merchantId: id('who sells it') }) },
  ProductStockReserved: {
    1: object('An order took units of the stock (step 1 of an order; OrderPlaced debits the buyer next, or the units are released)', {
      productId: id('the product'),
      merchantId: id('who sells it'),
      orderId: id('the order'),
      buyerId: id('who buys'),
      quantity,
      unitPrice: fen('the price of one unit'),
      amount: fen('what the buyer pays'),
      stockLeft: stock('units left after this order'),
    }),
  },
  ProductStockReleased: {
    1: object("An order's units went back to the stock: its payment was declined (OrderPaymentDeclined)", {
      productId: id('the product'),
      merchantId: id('who sells it'),
      orderId: id('the order'),
      quantity,
      reason: { type: 'string', description: 'the problem code of the refusal (insufficient-funds, daily-limit-exceeded, ...)' },
    }),
  },
  ProductGroupStockReserved: {
    1: object(
      "A group deal took its units when it opened (as many as the group's size); they are its members' orders once it completes, or go back if it fails",
      {
        productId: id('the product'),
        merchantId: id('who sells it'),
        groupBuyId: uuid('the group deal'),
        quantity,
        stockLeft: stock('units left after the deal took its own'),
      },
    ),
  },
  ProductGroupStockReleased: {
    1: object("A failed group deal's units went back to the stock (GroupBuyFailed)", {
      productId: id('the product'),
      merchantId: id('who sells it'),
      groupBuyId: uuid('the group deal'),
      quantity,
    }),
  },
  OrderPlaced: { 1: order("Debit of the buyer's wallet: the order is paid (caused by ProductStockReserved); OrderPaymentReceived credits the merchant") },
  OrderPaymentDeclined: {
    1: object("On the buyer's wallet, no money moves: the order could not be paid, its units are released", {
      orderId: id('the order'),
      productId: id('the product'),
      merchantId: id('who sells'),
      buyerId: id('who buys'),
      quantity,
      amount: fen('what the order would have cost'),
      reason: { type: 'string', description: 'the problem code of the refusal' },
    }),
  },
  OrderPaymentReceived: {
    1: object("Credit of the merchant's wallet, caused by OrderPlaced", {
      orderId: id('the order'),
      productId: id('the product'),
      merchantId: id('who sells'),
      buyerId: id('who bought'),
      amount: fen('the order'),
    }),
  },
  OrderOpened: {
    1: order(
      'First event of `order-<orderId>`: a copy of the paid order, caused by OrderPlaced; for a member of a completed group buy (orderId = the joinId, quantity 1, the group price), caused by the GroupBuyCompleted',
    ),
  },
  OrderRefundRequested: {
    1: orderMoney(
      "A refund was asked for (by the merchant or an admin); its amount is reserved against what was paid, OrderRefunded debits the merchant's wallet next",
      { requestedBy: id('the merchant or an admin'), reason: text(REFUND_REASON_MAX_LENGTH, 'why') },
      ['reason'],
    ),
  },
  OrderRefundReleased: {
    1: object("A requested refund the merchant's wallet could not cover: its amount may be refunded again", {
      orderId: id('the order'),
      refundId: id('the refund'),
      amount: fen('the refund'),
      reason: { type: 'string', description: 'the problem code of the refusal' },
    }),
  },
  OrderRefunded: {
    1: orderMoney(
      "Debit of the merchant's wallet: a refund paid out (caused by OrderRefundRequested); OrderRefundReceived credits the buyer",
      { reason: text(REFUND_REASON_MAX_LENGTH, 'why') },
      ['reason'],
    ),
  },
  OrderRefundDeclined: {
    1: orderMoney("On the merchant's wallet, no money moves: the refund could not be covered", {
      reason: { type: 'string', description: 'the problem code of the refusal' },
    }),
  },
  OrderRefundReceived: { 1: orderMoney("Credit of the buyer's wallet, caused by OrderRefunded") },
  OrderRated: {
    1: object('The buyer rated the order (once, after paying)', {
      orderId: id('the order'),
      productId: id('the product'),
      merchantId: id('who sold it'),
      buyerId: id('who bought it'),
      stars: { type: 'integer', minimum: 1, maximum: 5 },
    }),
  },
  PaymentCodeIssued: {
    1: object(
      'First event of `payment-code-<codeId>`: a merchant issued a payment code (static without amount, dynamic with one)',
      {
        codeId,
        merchantId: id('the merchant (a verified business wallet) paid by the code'),
        amount: fen('the fixed amount of a dynamic code (absent: a static code, the payer enters the amount)'),
        expiresAt: { type: 'string', format: 'date-time', description: 'a dynamic code pays nothing after this instant (absent on a static code)' },
        reference,
      },
      ['amount', 'expiresAt', 'reference'],
    ),
  },
  PaymentCodeRedeemed: {
    1: object('On the code stream: the one payment a dynamic code takes (caused by its MerchantPaid)', {
      codeId,
      merchantId: id('the merchant'),
      paymentId: uuid('the payment'),
      payerId: id('who paid'),
      amount: fen('the payment'),
    }),
  },
  MerchantPaid: {
    1: object(
      "Debit of the payer's wallet for a payment by code; MerchantPaymentReceived credits the merchant (or MerchantPaymentReturned the payer, when a dynamic code was taken meanwhile)",
      {
        paymentId: uuid('the payment'),
        payerId: id('who paid'),
        merchantId: id('the merchant'),
        codeId,
        amount: fen('the payment'),
        dynamic: { type: 'boolean', description: 'a dynamic code (fixed amount, single use) rather than a static one' },
        reference,
      },
      ['reference'],
    ),
  },
  MerchantPaymentReceived: {
    1: object(
      "Credit of the merchant's wallet, caused by MerchantPaid",
      { paymentId: uuid('the payment'), payerId: id('who paid'), merchantId: id('the merchant'), amount: fen('the payment'), reference },
      ['reference'],
    ),
  },
  MerchantPaymentReturned: {
    1: object("Credit of the payer's wallet, caused by MerchantPaid: the dynamic code was used by another payment meanwhile (or had expired)", {
      paymentId: uuid('the payment'),
      payerId: id('who paid'),
      merchantId: id('the merchant'),
      amount: fen('the payment'),
      reason: { type: 'string', enum: ['code-used', 'code-expired'] },
    }),
  },
};
