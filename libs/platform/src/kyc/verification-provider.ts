import { isValidResidentId, isValidUscc } from './check-digits';

/** What a provider is asked: the clear values, which leave Zan only for the provider. */
export interface VerificationSubject {
  verificationId: string;
  userId: string;
  kind: 'individual' | 'business';
  /** Real name or company name. */
  name: string;
  /** Resident ID number or unified social credit code. */
  number: string;
}

export type ProviderAnswer = { decision: 'verified' | 'rejected'; reason?: string } | { decision: 'pending' };

/** The verification port: answers at once, or later through the signed callback. */
export interface VerificationProvider {
  readonly name: 'local' | 'http';
  submit(subject: VerificationSubject): Promise<ProviderAnswer>;
}

export const VERIFICATION_PROVIDER = Symbol('VERIFICATION_PROVIDER');

/** The default: the check digit decides, at once (GB 11643 for people, GB 32100 for companies). */
export class LocalVerificationProvider implements VerificationProvider {
  readonly name = 'local';

  async submit({ kind, number }: VerificationSubject): Promise<ProviderAnswer> {
    if (kind === 'individual') {
      return isValidResidentId(number) ? { decision: 'verified' } : { decision: 'rejected', reason: 'the resident ID number fails its check digit (GB 11643)' };
    }
    return isValidUscc(number)
      ? { decision: 'verified' }
      : { decision: 'rejected', reason: 'the unified social credit code fails its check character (GB 32100)' };
  }
}

export class VerificationProviderUnavailable extends Error {
  override readonly name = 'VerificationProviderUnavailable';
}

/**
 * Posts the subject to ZAN_KYC_URL and waits for the provider's signed callback
 * (POST /v1/verification-callbacks). Any 2xx means "received"; the decision comes later.
 */
export class HttpVerificationProvider implements VerificationProvider {
  readonly name = 'http';

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async submit(subject: VerificationSubject): Promise<ProviderAnswer> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(subject),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new VerificationProviderUnavailable(`the verification provider could not be reached: ${(error as Error).message}`);
    }
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw new VerificationProviderUnavailable(`the verification provider answered ${response.status}`);
    return { decision: 'pending' };
  }
}
