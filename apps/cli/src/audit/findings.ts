export type FindingKind =
  | 'negative-balance'
  | 'missing-credit'
  | 'duplicate-debit'
  | 'duplicate-credit'
  | 'orphan-credit'
  | 'amount-mismatch'
  | 'misdirected-credit'
  | 'bad-amount'
  | 'red-packet'
  | 'order'
  | 'payment-code'
  | 'conservation';

export interface Finding {
  kind: FindingKind;
  message: string;
  position?: bigint;
}

/** Every finding counted; the first `keep` kept to show (an audit of millions of events stays bounded). */
export class Findings {
  count = 0;
  readonly first: Finding[] = [];

  constructor(private readonly keep = 1000) {}

  report(kind: FindingKind, message: string, position?: bigint): void {
    this.count++;
    if (this.first.length < this.keep) this.first.push({ kind, message, position });
  }
}
