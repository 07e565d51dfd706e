import {
  isZanEventType,
  type Fen,
  type ProductGroupStockReleased,
  type ProductGroupStockReserved,
  type ProductListed,
  type ProductRepriced,
  type ProductRestocked,
  type ProductStockReleased,
  type ProductStockReserved,
} from '@zan/contracts';
import type { EventLike } from '../decider';
import { PersistentSet } from '../persistent-set';

export interface NoProduct {
  status: 'none';
}

/** The state of stream `product-<productId>`. `stock` null: unlimited. `sold`: units taken and not released. */
export interface Product {
  status: 'listed' | 'delisted';
  productId: string;
  merchantId: string;
  merchantName: string;
  title: string;
  price: Fen;
  stock: number | null;
  sold: number;
  /**
   * Orders whose units went back (declined payments): a redelivered release changes nothing. Every
   * one stays, so a flash sale's product may gather many thousands: a persistent set, as an array
   * copied on each release made folding the stream quadratic.
   */
  released: PersistentSet;
  /** Units each open group deal took from the count (by groupBuyId; 0 from an unlimited stock): they go back once, when it fails. */
  groupUnits?: Readonly<Record<string, number>>;
}

export type ProductState = NoProduct | Product;

export const initialState: ProductState = Object.freeze({ status: 'none' });

/** Pure: a new state each time (callers cache states). */
export const evolve = (state: ProductState, event: EventLike): ProductState => {
  if (!isZanEventType(event.type)) return state;
  if (event.type === 'ProductListed') {
    if (state.status !== 'none') return state;
    const { productId, merchantId, merchantName, title, price, stock } = event.data as ProductListed;
    return { status: 'listed', productId, merchantId, merchantName, title, price, stock, sold: 0, released: PersistentSet.empty };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ProductRepriced':
      return { ...state, price: (event.data as ProductRepriced).price };
    case 'ProductRestocked':
      return { ...state, stock: (event.data as ProductRestocked).stock };
    case 'ProductDelisted':
      return { ...state, status: 'delisted' };
    case 'ProductStockReserved': {
      const { quantity, stockLeft } = event.data as ProductStockReserved;
      return { ...state, stock: stockLeft, sold: state.sold + quantity };
    }
    case 'ProductGroupStockReserved': {
      const { groupBuyId, quantity, stockLeft } = event.data as ProductGroupStockReserved;
      // Taken from an unlimited stock, they came out of no count: none goes back to one set since (a restock).
      return { ...state, stock: stockLeft, groupUnits: { ...state.groupUnits, [groupBuyId]: stockLeft === null ? 0 : quantity } };
    }
    case 'ProductGroupStockReleased': {
      const { groupBuyId, quantity } = event.data as ProductGroupStockReleased;
      const { [groupBuyId]: _released, ...groupUnits } = state.groupUnits ?? {};
      return { ...state, stock: state.stock === null ? null : state.stock + quantity, groupUnits };
    }
    case 'ProductStockReleased': {
      const { quantity, orderId } = event.data as ProductStockReleased;
      return { ...state, stock: state.stock === null ? null : state.stock + quantity, sold: state.sold - quantity, released: state.released.with(orderId) };
    }
    default:
      return state;
  }
};

export const isListed = (state: ProductState): state is Product => state.status === 'listed';
