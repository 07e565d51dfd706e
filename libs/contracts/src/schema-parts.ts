/**
 * The building blocks of the event payloads' JSON Schemas (schemas.ts): amounts in fen, ids, free
 * text, and the shapes several event types share (a red packet, an order, a refund).
 */
export type JsonSchema = { [keyword: string]: unknown };

export const fen = (description: string, minimum = 1): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: Number.MAX_SAFE_INTEGER,
  description: `${description}, in fen (1 yuan = 100 fen), CNY`,
});
export const id = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 128, description });
export const uuid = (description: string): JsonSchema => ({ type: 'string', format: 'uuid', description });
export const object = (description: string, properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  description,
  required: Object.keys(properties).filter((name) => !optional.includes(name)),
  properties,
});

export const hash = (of: string): JsonSchema => ({
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: `HMAC-SHA256 of ${of} under the install's hash key (ZAN_PII_HASH_KEY), hex`,
});
export const verificationDecider: JsonSchema = { type: 'string', enum: ['provider', 'admin'] };
export const walletKind: JsonSchema = { type: 'string', enum: ['individual', 'business'] };
export const redPacket = (description: string): JsonSchema =>
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

export const text = (maxLength: number, description: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  description: `${description}; free text, no control characters`,
});
export const stock = (description: string): JsonSchema => ({
  type: ['integer', 'null'],
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: `${description}; null: unlimited`,
});
export const quantity: JsonSchema = { type: 'integer', minimum: 1, description: 'units bought' };
export const order = (description: string): JsonSchema =>
  object(description, {
    orderId: id('the order'),
    productId: id('the product'),
    merchantId: id('who sells'),
    buyerId: id('who buys'),
    quantity,
    unitPrice: fen('the price of one unit when bought'),
    amount: fen('quantity x unitPrice, what the buyer pays'),
  });
export const orderMoney = (description: string, extra: Record<string, JsonSchema> = {}, optional: string[] = []): JsonSchema =>
  object(
    description,
    { orderId: id('the order'), refundId: id('the refund'), merchantId: id('who sells'), buyerId: id('who bought'), amount: fen('the refund'), ...extra },
    optional,
  );
