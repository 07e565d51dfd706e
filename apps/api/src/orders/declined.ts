import { DailyLimitExceeded, DomainError, InsufficientFunds, WalletNotFound, domainError } from '@zan/domain';

const BY_CODE: Record<string, new (detail: string) => DomainError> = {
  'insufficient-funds': InsufficientFunds,
  'daily-limit-exceeded': DailyLimitExceeded,
  'wallet-not-found': WalletNotFound,
};

/** The refusal a stored decline names (its reason is the refusal's problem code), to answer the caller with. */
export const refusalOf = (reason: string, detail: string): DomainError => {
  const Known = BY_CODE[reason];
  if (Known) return new Known(detail);
  return new (class extends domainError(reason, 422, 'Payment declined') {})(detail);
};
