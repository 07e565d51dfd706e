/**
 * Typed domain errors. `code` is the last segment of the problem type URI
 * (https://zan.dev/problems/<code>) and `status` the HTTP status the api maps it to.
 * The api maps them to problem+json in one filter; the domain knows nothing of HTTP beyond the number.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
}

const domainError = (code: string, status: number, title: string) =>
  class extends DomainError {
    readonly code = code;
    readonly status = status;
    readonly title = title;
    constructor(detail: string) {
      super(detail);
      this.name = title.replace(/[^A-Za-z]/g, '');
    }
  };

export class WalletNotFound extends domainError('wallet-not-found', 404, 'Wallet not found') {}
export class WalletAlreadyOpen extends domainError('wallet-already-open', 409, 'Wallet already open') {}
export class CardNotLinked extends domainError('card-not-linked', 422, 'Bank card not linked') {}
export class CardAlreadyLinked extends domainError('card-already-linked', 409, 'Bank card already linked') {}
export class InsufficientFunds extends domainError('insufficient-funds', 422, 'Insufficient funds') {}
export class DailyLimitExceeded extends domainError('daily-limit-exceeded', 422, 'Daily spending limit exceeded') {}
export class AmountOutOfRange extends domainError('amount-out-of-range', 422, 'Amount out of range') {}
export class AuthorNotEligible extends domainError('author-not-eligible', 422, 'Author cannot receive tips') {}
export class SelfPayment extends domainError('self-payment', 422, 'Cannot pay yourself') {}
export class InvalidRedPacket extends domainError('invalid-red-packet', 422, 'Invalid red packet') {}
export class RedPacketNotFound extends domainError('red-packet-not-found', 404, 'Red packet not found') {}
export class RedPacketAlreadyClaimed extends domainError('red-packet-already-claimed', 409, 'Red packet already claimed') {}
export class RedPacketGone extends domainError('red-packet-gone', 410, 'Red packet is gone') {}
export class NotARecipient extends domainError('not-a-recipient', 403, 'Not a recipient of this red packet') {}
/**
 * A command the api should already have refused as malformed (bad amount, unknown kind, bad date).
 * The domain does not trust its callers, and a malformed request is a 400 with the api's own
 * problem type, never a 422.
 */
export class InvalidCommand extends domainError('validation', 400, 'Invalid request') {}
