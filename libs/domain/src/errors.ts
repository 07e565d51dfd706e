/**
 * Typed domain errors. `code` is the last segment of the problem type URI
 * (https://zan.dev/problems/<code>) and `status` the HTTP status the api maps it to.
 * The api maps them to problem+json in one filter; the domain knows nothing of HTTP beyond the number.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  /**
   * True when no later event of the stream can turn this refusal into an acceptance (a packet
   * stays gone, a claim stays claimed): a refusal decided on an older state of the stream then
   * stands, the api need not read the stream again to confirm it.
   */
  abstract readonly final: boolean;

  /**
   * A refusal is an answer, not a fault: no stack is captured (about 4 us per error; a hot packet's
   * 9,900 losers raise one each). Its type and message say where it comes from.
   */
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export const domainError = (code: string, status: number, title: string, final = false) =>
  class extends DomainError {
    readonly code = code;
    readonly status = status;
    readonly title = title;
    readonly final = final;
    constructor(detail: string) {
      super(detail);
      this.name = title.replace(/[^A-Za-z]/g, '');
    }
  };

export class WalletNotFound extends domainError('wallet-not-found', 404, 'Wallet not found') {}
export class WalletAlreadyOpen extends domainError('wallet-already-open', 409, 'Wallet already open', true) {}
export class CardNotLinked extends domainError('card-not-linked', 422, 'Bank card not linked') {}
export class CardAlreadyLinked extends domainError('card-already-linked', 409, 'Bank card already linked', true) {}
/** Final: cards are never unlinked, so a wallet at its limit stays there. */
export class CardLimitReached extends domainError('card-limit-reached', 422, 'Bank card limit reached', true) {}
export class InsufficientFunds extends domainError('insufficient-funds', 422, 'Insufficient funds') {}
export class DailyLimitExceeded extends domainError('daily-limit-exceeded', 422, 'Daily spending limit exceeded') {}
export class AmountOutOfRange extends domainError('amount-out-of-range', 422, 'Amount out of range', true) {}
/** Over the wallet's tier's most per payment: not final, verifying the wallet raises it. Same problem type. */
export class TierAmountOutOfRange extends domainError('amount-out-of-range', 422, 'Amount out of range') {}
export class AnnualLimitExceeded extends domainError('annual-limit-exceeded', 422, 'Annual spending limit exceeded') {}
export class AuthorNotEligible extends domainError('author-not-eligible', 422, 'Author cannot receive tips') {}
export class VerificationRequired extends domainError('verification-required', 422, 'Verification required') {}
export class AlreadyVerified extends domainError('already-verified', 409, 'Wallet already verified') {}
/** Not final: an admin may verify the wallet after all. */
export class VerificationRejectedByAdmin extends domainError('verification-rejected-by-admin', 409, 'Verification rejected by an admin') {}
/** Final: a wallet's kind never changes. */
export class VerificationKindMismatch extends domainError('verification-kind-mismatch', 422, 'Verification kind does not match the wallet', true) {}
export class SelfPayment extends domainError('self-payment', 422, 'Cannot pay yourself', true) {}
export class NotAMerchant extends domainError('not-a-merchant', 422, 'Not a merchant', true) {}
export class InvalidRedPacket extends domainError('invalid-red-packet', 422, 'Invalid red packet', true) {}
export class RedPacketNotFound extends domainError('red-packet-not-found', 404, 'Red packet not found') {}
export class RedPacketAlreadyClaimed extends domainError('red-packet-already-claimed', 409, 'Red packet already claimed', true) {}
export class RedPacketGone extends domainError('red-packet-gone', 410, 'Red packet is gone', true) {}
export class NotARecipient extends domainError('not-a-recipient', 403, 'Not a recipient of this red packet', true) {}
/** Payment codes (Commerce). Not final: a code unknown to a stale cache may be issued since. */
export class PaymentCodeNotFound extends domainError('payment-code-not-found', 404, 'Payment code not found') {}
/** Final: a dynamic code once used or expired never pays again. */
export class PaymentCodeGone extends domainError('payment-code-gone', 410, 'Payment code used or expired', true) {}
/** Final: a static code's kind never changes; the payer must say how much. */
export class PaymentAmountRequired extends domainError('amount-required', 422, 'Amount required', true) {}
/** Final: a dynamic code's amount never changes. */
export class PaymentAmountMismatch extends domainError('amount-mismatch', 422, 'Amount does not match the payment code', true) {}
/**
 * A command the api should already have refused as malformed (bad amount, unknown kind, bad date).
 * The domain does not trust its callers, and a malformed request is a 400 with the api's own
 * problem type, never a 422.
 */
export class InvalidCommand extends domainError('validation', 400, 'Invalid request', true) {}
/**
 * A compensation (a declined order's units, a declined refund's amount) on a state that does not hold
 * what it gives back. Not final: a state one replica cached may predate the reservation another stored.
 */
export class NothingToRelease extends domainError('validation', 400, 'Invalid request') {}
