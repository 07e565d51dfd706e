/**
 * Stream naming. A stream id is `<category>-<id>`; the category is everything before the first dash
 * that is followed by the id, so `red-packet-9f..` has category `red-packet`.
 */
export const STREAM_CATEGORIES = ['wallet', 'red-packet', 'article', 'product', 'order', 'payment-code', 'group-buy', 'webhook-endpoint'] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

export const walletStream = (userId: string): string => `wallet-${userId}`;
export const redPacketStream = (redPacketId: string): string => `red-packet-${redPacketId}`;
export const articleStream = (articleId: string): string => `article-${articleId}`;
export const productStream = (productId: string): string => `product-${productId}`;
export const orderStream = (orderId: string): string => `order-${orderId}`;
/** `codeId`: the SHA-256 of the code (hex), never the code itself (it pays; stream ids travel on Kafka). */
export const paymentCodeStream = (codeId: string): string => `payment-code-${codeId}`;

export const groupBuyStream = (groupBuyId: string): string => `group-buy-${groupBuyId}`;
export const webhookEndpointStream = (endpointId: string): string => `webhook-endpoint-${endpointId}`;

export const streamCategory = (streamId: string): string => {
  for (const category of STREAM_CATEGORIES) {
    if (streamId.startsWith(`${category}-`)) return category;
  }
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
};

export const streamEntityId = (streamId: string): string => streamId.slice(streamCategory(streamId).length + 1);
