import { domainError } from '../errors';

export class ProductNotFound extends domainError('product-not-found', 404, 'Product not found') {}
/** Final: a delisted product is never listed again. */
export class ProductGone extends domainError('product-delisted', 410, 'Product delisted', true) {}
/** Not final: a restock may bring units back. */
export class SoldOut extends domainError('sold-out', 410, 'Sold out') {}
/** Not final: the merchant may set the price back. */
export class PriceChanged extends domainError('price-changed', 409, 'Price changed') {}
/** Final: a product's merchant never changes. */
export class NotTheProductMerchant extends domainError('not-the-product-merchant', 403, 'Not the merchant of this product', true) {}
/** Final: a product id is the listing's for good. */
export class ProductIdTaken extends domainError('product-id-taken', 409, 'Product id taken', true) {}
