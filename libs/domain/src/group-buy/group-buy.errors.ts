import { domainError } from '../errors';

export class GroupBuyNotFound extends domainError('group-buy-not-found', 404, 'Group buy not found') {}
/** Final: members never leave a group (a failed group is closed for good). */
export class AlreadyJoined extends domainError('already-joined', 409, 'Already joined', true) {}
/** Final: a full group has completed. */
export class GroupBuyFull extends domainError('group-buy-full', 410, 'Group buy full', true) {}
/** Final: a group past its deadline, completed or failed, never opens again. */
export class GroupBuyClosed extends domainError('group-buy-closed', 410, 'Group buy closed', true) {}
/** Final: a group buy id is the deal's for good. */
export class GroupBuyIdTaken extends domainError('group-buy-id-taken', 409, 'Group buy id taken', true) {}
/** Final, as delisting is: a delisted product sells no more, in a group as in an order (the order's product-delisted). */
export class GroupBuyProductDelisted extends domainError('product-delisted', 410, 'Product delisted', true) {}
