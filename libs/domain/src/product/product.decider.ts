import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideDelistProduct, type DelistProduct } from './delist-product';
import { decideListProduct, type ListProduct } from './list-product';
import { evolve, initialState, type ProductState } from './product.state';
import { decideReleaseGroupStock, decideReserveGroupStock, type ReleaseGroupStock, type ReserveGroupStock } from './group-stock';
import { decideReleaseStock, type ReleaseStock } from './release-stock';
import { decideRepriceProduct, type RepriceProduct } from './reprice-product';
import { decideReserveStock, type ReserveStock } from './reserve-stock';
import { decideRestockProduct, type RestockProduct } from './restock-product';

export type ProductCommand =
  ListProduct | RepriceProduct | RestockProduct | DelistProduct | ReserveStock | ReleaseStock | ReserveGroupStock | ReleaseGroupStock;
export type ProductEvent = DomainEvent<
  | 'ProductListed'
  | 'ProductRepriced'
  | 'ProductRestocked'
  | 'ProductDelisted'
  | 'ProductStockReserved'
  | 'ProductStockReleased'
  | 'ProductGroupStockReserved'
  | 'ProductGroupStockReleased'
>;

/** The product stream's decider. No wallet money is decided here: the limits are unused. */
export const decide = (command: ProductCommand, state: ProductState, _context: DecideContext = DEFAULT_CONTEXT): ProductEvent[] => {
  switch (command.type) {
    case 'ListProduct':
      return decideListProduct(command, state);
    case 'RepriceProduct':
      return decideRepriceProduct(command, state);
    case 'RestockProduct':
      return decideRestockProduct(command, state);
    case 'DelistProduct':
      return decideDelistProduct(command, state);
    case 'ReserveStock':
      return decideReserveStock(command, state);
    case 'ReleaseStock':
      return decideReleaseStock(command, state);
    case 'ReserveGroupStock':
      return decideReserveGroupStock(command, state);
    case 'ReleaseGroupStock':
      return decideReleaseGroupStock(command, state);
    default:
      throw new InvalidCommand(`unknown product command ${(command as { type?: unknown }).type as string}`);
  }
};

export const productDecider: Decider<ProductCommand, ProductState, ProductEvent> = { initialState, evolve, decide };
