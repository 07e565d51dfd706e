import type { DomainEvent } from '@zan/contracts';

export const listed = (stock: number | null = 5, price = 1_000): DomainEvent<'ProductListed'> => ({
  type: 'ProductListed',
  data: { productId: 'p1', merchantId: 'shop', merchantName: '赞咖啡有限公司', title: '拿铁', price, stock },
});
export const reserved = (quantity: number, stockLeft: number | null, orderId = 'o1', price = 1_000): DomainEvent<'ProductStockReserved'> => ({
  type: 'ProductStockReserved',
  data: { productId: 'p1', merchantId: 'shop', orderId, buyerId: 'alice', quantity, unitPrice: price, amount: quantity * price, stockLeft },
});
