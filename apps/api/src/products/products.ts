import { OrderSaga } from '../command-path/order-saga';
import { OrderStreams } from '../command-path/order-streams';
import { ProductStreams } from '../command-path/product-streams';
import { ChangeProductController } from './change-product/change-product.controller';
import { ChangeProductHandler } from './change-product/change-product.handler';
import { DelistProductController } from './delist-product/delist-product.controller';
import { DelistProductHandler } from './delist-product/delist-product.handler';
import { ListProductController } from './list-product/list-product.controller';
import { ListProductHandler } from './list-product/list-product.handler';
import { ReadProductController } from './read-product/read-product.controller';

/** What the api module registers for products; the commerce streams and saga steps are shared with orders and the credits. */
export const PRODUCT_CONTROLLERS = [ListProductController, ChangeProductController, DelistProductController, ReadProductController];
export const PRODUCT_PROVIDERS = [ProductStreams, OrderStreams, OrderSaga, ListProductHandler, ChangeProductHandler, DelistProductHandler];
