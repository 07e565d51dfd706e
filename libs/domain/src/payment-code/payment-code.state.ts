import { isZanEventType, type DomainEvent, type Fen, type PaymentCodeIssued, type PaymentCodeRedeemed } from '@zan/contracts';
import type { EventLike } from '../decider';

/** The state of stream `payment-code-<codeId>` (codeId: the SHA-256 of the code, never the code). */
export interface PaymentCodeState {
  exists: boolean;
  codeId?: string;
  merchantId?: string;
  /** Absent: a static code (the payer enters the amount). */
  amount?: Fen;
  expiresAt?: string;
  reference?: string;
  /** The payment that took a dynamic code; set once, never changes. */
  redeemedBy?: string;
}

export type PaymentCodeEvent = DomainEvent<'PaymentCodeIssued' | 'PaymentCodeRedeemed'>;

export const initialState: PaymentCodeState = Object.freeze({ exists: false });

/** Pure: returns a new state, never touches the old one (callers cache states). */
export const evolve = (state: PaymentCodeState, event: EventLike): PaymentCodeState => {
  if (!isZanEventType(event.type)) return state;
  switch (event.type) {
    case 'PaymentCodeIssued': {
      const { codeId, merchantId, amount, expiresAt, reference } = event.data as PaymentCodeIssued;
      return { exists: true, codeId, merchantId, amount, expiresAt, reference };
    }
    case 'PaymentCodeRedeemed':
      return { ...state, redeemedBy: (event.data as PaymentCodeRedeemed).paymentId };
    default:
      return state;
  }
};

export const isDynamic = (state: PaymentCodeState): boolean => state.amount !== undefined;

/** Whether a dynamic code is past its expiry at `now` (ISO); a static code never expires. */
export const isExpired = (state: PaymentCodeState, now: string): boolean => state.expiresAt !== undefined && Date.parse(now) >= Date.parse(state.expiresAt);
