/**
 * JSON Schemas (draft 07) of every event payload, by type and by every version that may still be
 * stored or on a topic (old versions are upcast on read, never rewritten), and of the metadata.
 * docs/asyncapi.yaml is generated from these (`npm run docs:asyncapi`); a test keeps them complete
 * against EVENT_CATALOG and the upcasters, and checks real events against them.
 */
import type { ZanEventType } from './events';
import { ARTICLE_TITLE_MAX_LENGTH, MERCHANT_NAME_MAX_LENGTH, PRODUCT_DESCRIPTION_MAX_LENGTH, PRODUCT_TITLE_MAX_LENGTH, REFUND_REASON_MAX_LENGTH } from './text';

export type JsonSchema = { [keyword: string]: unknown };

const fen = (description: string, minimum = 1): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: Number.MAX_SAFE_INTEGER,
  description: `${description}, in fen (1 yuan = 100 fen), CNY`,
});
const id = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 128, description });
const uuid = (description: string): JsonSchema => ({ type: 'string', format: 'uuid', description });
const object = (description: string, properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  description,
  required: Object.keys(properties).filter((name) => !optional.includes(name)),
  properties,
});

const hash = (of: string): JsonSchema => ({ type: 'string', pattern: '^[0-9a-f]{64}$', description: `HMAC-SHA256 of ${of} under the install's hash key (ZAN_PII_HASH_KEY), hex` });
const verificationDecider: JsonSchema = { type: 'string', enum: ['provider', 'admin'] };
const walletKind: JsonSchema = { type: 'string', enum: ['individual', 'business'] };
const redPacket = (description: string): JsonSchema =>
  object(
    description,
    {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      amount: fen('the whole packet'),
      shares: { type: 'integer', minimum: 1 },
      mode: { type: 'string', enum: ['lucky', 'equal'], description: 'lucky: random shares; equal: the same share each' },
      greeting: { type: 'string', maxLength: 100 },
      recipients: { type: 'array', items: id('a user who may claim'), uniqueItems: true, description: 'absent: anyone with the id may claim' },
      expiresAt: { type: 'string', format: 'date-time', description: 'unclaimed shares go back to the sender then' },
    },
    ['greeting', 'recipients'],
  );

const text = (maxLength: number, description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength, description: `${description}; free text, no control characters` });
const stock = (description: string): JsonSchema => ({ type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description}; null: unlimited` });
const quantity: JsonSchema = { type: 'integer', minimum: 1, description: 'units bought' };
const order = (description: string): JsonSchema =>
  object(description, {
    orderId: id('the order'),
    productId: id('the product'),
    merchantId: id('who sells'),
    buyerId: id('who buys'),
    quantity,
    unitPrice: fen('the price of one unit when bought'),
    amount: fen('quantity x unitPrice, what the buyer pays'),
  });
const orderMoney = (description: string, extra: Record<string, JsonSchema> = {}, optional: string[] = []): JsonSchema =>
  object(description, { orderId: id('the order'), refundId: id('the refund'), merchantId: id('who sells'), buyerId: id('who bought'), amount: fen('the refund'), ...extra }, optional);

/** Payload schemas by type and version. A new version adds an entry; old entries stay while old events exist. */
const groupMemberFields = (): Record<string, JsonSchema> => ({
  buyerId: id('the member'),
  joinId: id('the join; the order id once the group completes'),
  amount: fen('the group price held'),
  holdId: uuid('the event id of the GroupBuyFundsHeld that holds the money'),
});
const groupMember = (description: string, extra: Record<string, JsonSchema>): JsonSchema =>
  object(description, { groupBuyId: uuid('the group buy'), ...groupMemberFields(), ...extra });
const groupClose = (description: string): JsonSchema =>
  object(description, {
    groupBuyId: uuid('the group buy'),
    productId: id('the product'),
    merchantId: id('who sells it'),
    members: { type: 'array', items: object('a member', groupMemberFields()), description: 'every member, in join order' },
  });

export const EVENT_SCHEMAS: { [T in ZanEventType]: Record<number, JsonSchema> } = {
  WalletOpened: { 1: object('A wallet was opened (first event of `wallet-<userId>`)', { userId: id('the owner'), kind: walletKind }) },
  BankCardLinked: {
    1: object(
      'A bank card was linked to the wallet',
      {
        userId: id('the owner'),
        cardId: id('the card'),
        personal: { type: 'boolean', description: 'whether the card counted as personal when linked (since v1.1 decided from the verification, never declared)' },
        holderName: { type: 'string', minLength: 1, maxLength: 100, description: "the holder's name masked: first character, then * per remaining one (since v1.1)" },
        holderNameHash: hash("the holder's name (since v1.1)"),
      },
      ['holderName', 'holderNameHash'],
    ),
  },
  VerificationRequested: {
    1: object('The wallet asked to be verified; personal data only masked and hashed, the clear values are in the vault', {
      userId: id('the owner'),
      verificationId: uuid('the verification'),
      kind: { type: 'string', enum: ['individual', 'business'] },
      maskedName: { type: 'string', minLength: 1, maxLength: 100, description: 'real or company name masked: first character, then * per remaining one' },
      nameHash: hash('the real or company name'),
      numberHash: hash('the resident ID number or unified social credit code'),
    }),
  },
  WalletVerified: {
    1: object(
      'The wallet is verified (by the provider, or by an admin, whose decision overrides)',
      { userId: id('the owner'), verificationId: uuid('the verification decided'), decidedBy: verificationDecider, reason: { type: 'string', maxLength: 200 } },
      ['verificationId', 'reason'],
    ),
  },
  VerificationRejected: {
    1: object(
      'The verification was rejected (by the provider, or by an admin, whose decision overrides)',
      { userId: id('the owner'), verificationId: uuid('the verification decided'), decidedBy: verificationDecider, reason: { type: 'string', maxLength: 200 } },
      ['verificationId', 'reason'],
    ),
  },
  WalletFunded: {
    1: object('Money came in from a linked card (v1)', { userId: id('the owner'), fundingId: uuid('the funding'), cardId: id('the card'), amount: fen('the top-up') }),
    2: object('Money came in from a linked card', {
      userId: id('the owner'),
      fundingId: uuid('the funding'),
      amount: fen('the top-up'),
      source: object('where the money came from', { kind: { type: 'string', enum: ['card'] }, cardId: id('the card') }),
    }),
  },
  WalletWithdrawn: {
    1: object('Money went out to a linked card', { userId: id('the owner'), withdrawalId: uuid('the withdrawal'), cardId: id('the card'), amount: fen('the withdrawal') }),
  },
  FundsTransferred: {
    1: object(
      "Debit of the payer's wallet (on the payer's stream); TransferReceived credits the payee",
      { transferId: uuid('the transfer'), fromUserId: id('the payer'), toUserId: id('the payee'), amount: fen('the transfer'), note: { type: 'string', maxLength: 200 } },
      ['note'],
    ),
  },
  TransferReceived: {
    1: object("Credit of the payee's wallet, caused by FundsTransferred", {
      transferId: uuid('the transfer'),
      fromUserId: id('the payer'),
      toUserId: id('the payee'),
      amount: fen('the transfer'),
    }),
  },
  TipPraised: {
    1: object(
      "Debit of the reader's wallet for a tip; TipReceived credits the author",
      {
        tipId: uuid('the tip'),
        readerId: id('who tipped'),
        authorId: id('who is tipped'),
        articleId: id('the article'),
        amount: fen('the tip'),
        message: { type: 'string', maxLength: 200 },
      },
      ['message'],
    ),
  },
  TipReceived: {
    1: object("Credit of the author's wallet, caused by TipPraised", {
      tipId: uuid('the tip'),
      readerId: id('who tipped'),
      authorId: id('who is tipped'),
      articleId: id('the article'),
      amount: fen('the tip'),
    }),
  },
  RedPacketSent: { 1: redPacket("Debit of the sender's wallet: the whole amount leaves for the packet") },
  RedPacketEscrowed: { 1: redPacket('First event of `red-packet-<id>`: the packet holds the money sent (caused by RedPacketSent)') },
  RedPacketClaimed: {
    1: object('A share was claimed; its amount was drawn once, at claim time', {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      userId: id('who claimed'),
      amount: fen('the share'),
      remainingAmount: fen('left in the packet', 0),
      remainingShares: { type: 'integer', minimum: 0 },
    }),
  },
  RedPacketExpired: {
    1: object('The packet expired; what was left goes back to the sender (RedPacketRefunded)', {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      amount: fen('left in the packet', 0),
      remainingShares: { type: 'integer', minimum: 0 },
    }),
  },
  RedPacketShareReceived: {
    1: object("Credit of the claimer's wallet, caused by RedPacketClaimed", {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      userId: id('who claimed'),
      amount: fen('the share'),
    }),
  },
  RedPacketRefunded: {
    1: object("Credit of the sender's wallet, caused by RedPacketExpired", {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      amount: fen('the refund'),
    }),
  },
  ArticlePublished: {
    1: object('First event of `article-<articleId>`: the article was published; whoever published it is its author', {
      articleId: id('the article'),
      authorId: id('who published it (tips to it go to this user)'),
      title: { type: 'string', minLength: 1, maxLength: ARTICLE_TITLE_MAX_LENGTH, description: 'free text, no control characters' },
    }),
  },
  ArticleLiked: {
    1: object('A reader liked the article (a like without cash; at most one per reader at a time)', {
      articleId: id('the article'),
      authorId: id('its author'),
      userId: id('who liked it'),
    }),
  },
  ArticleUnliked: {
    1: object('A reader took their like back', { articleId: id('the article'), authorId: id('its author'), userId: id('who unliked it') }),
  },
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
  },
  ProductRepriced: {
    1: object('The merchant changed the price (orders made at the old price are answered 409 price-changed)', {
      productId: id('the product'),
      merchantId: id('who sells it'),
      price: fen('the new price of one unit'),
      previousPrice: fen('the price before'),
    }),
  },
  ProductRestocked: { 1: object('The merchant set the stock left', { productId: id('the product'), merchantId: id('who sells it'), stock: stock('units left') }) },
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
  OrderOpened: { 1: order('First event of `order-<orderId>`: a copy of the paid order (caused by OrderPlaced)') },
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
    1: orderMoney("Debit of the merchant's wallet: a refund paid out (caused by OrderRefundRequested); OrderRefundReceived credits the buyer", { reason: text(REFUND_REASON_MAX_LENGTH, 'why') }, ['reason']),
  },
  OrderRefundDeclined: {
    1: orderMoney("On the merchant's wallet, no money moves: the refund could not be covered", { reason: { type: 'string', description: 'the problem code of the refusal' } }),
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
  GroupBuyOpened: {
    1: object('A merchant opened a group deal on its product (first event of `group-buy-<groupBuyId>`)', {
      groupBuyId: uuid('the group buy'),
      productId: id('the product'),
      merchantId: id('who sells it'),
      groupPrice: fen('what each member pays'),
      groupSize: { type: 'integer', minimum: 2, maximum: 100, description: 'members needed to complete' },
      expiresAt: { type: 'string', format: 'date-time', description: 'the deadline: unfilled then, the group fails' },
    }),
  },
  GroupBuyFundsHeld: {
    1: object("Debit of the buyer's wallet: the group price held for a group buy; GroupBuyPaymentReceived (completed) or GroupBuyFundsReturned (failed, refused) credits it", {
      groupBuyId: uuid('the group buy'),
      joinId: id('the join; the order id once the group completes'),
      productId: id('the product'),
      merchantId: id('who sells it'),
      buyerId: id('who joins'),
      amount: fen('the group price held'),
    }),
  },
  GroupBuyJoined: { 1: groupMember('A held buyer joined the group (caused by GroupBuyFundsHeld)', { members: { type: 'integer', minimum: 1, maximum: 100, description: 'members so far, this one included' } }) },
  GroupBuyJoinRefused: {
    1: groupMember('A hold could not join (the group is full, closed, or the buyer a member already): its money returns', {
      reason: { type: 'string', description: 'the problem code of the refusal (group-buy-full, group-buy-closed, already-joined)' },
    }),
  },
  GroupBuyCompleted: { 1: groupClose('The group filled: one order per member (orderId = joinId), each credited to the merchant (GroupBuyPaymentReceived)') },
  GroupBuyFailed: { 1: groupClose("The deadline passed unfilled: every member's hold returns (GroupBuyFundsReturned)") },
  GroupBuyFundsReturned: {
    1: object("Credit of the buyer's wallet: a hold given back (caused by the GroupBuyFundsHeld it returns)", {
      groupBuyId: uuid('the group buy'),
      joinId: id('the join'),
      buyerId: id('whose money returns'),
      amount: fen('the hold'),
      reason: { type: 'string', enum: ['failed', 'refused'], description: 'failed: the group expired unfilled; refused: the join was refused' },
    }),
  },
  GroupBuyPaymentReceived: {
    1: object("Credit of the merchant's wallet: one member's order of a completed group (caused by the GroupBuyFundsHeld it pays)", {
      groupBuyId: uuid('the group buy'),
      orderId: id('the order (the join id)'),
      productId: id('the product'),
      merchantId: id('who sells'),
      buyerId: id('who bought'),
      amount: fen('the group price'),
    }),
  },
};

/** Every event's metadata (CONTRACT.md, "Events"); on Kafka, the JSON of the `zan_metadata` header. */
export const EVENT_METADATA_SCHEMA: JsonSchema = object(
  'Who and what caused the event',
  {
    correlationId: id('the request or flow the event belongs to (X-Correlation-Id, else the request id)'),
    causationId: id('what caused the event: the command id, or the id of the event it reacts to'),
    userId: id('on whose behalf (system:expiry for timers)'),
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 255, description: 'the Idempotency-Key of the request, when it had one' },
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C trace context of the span that recorded (or, on Kafka, published) the event; only when tracing is on',
    },
  },
  ['idempotencyKey', 'traceparent'],
);
