import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideIssuePaymentCode, type IssuePaymentCode } from './issue-payment-code';
import { evolve, initialState, type PaymentCodeEvent, type PaymentCodeState } from './payment-code.state';
import { decideRedeemPaymentCode, type RedeemPaymentCode } from './redeem-payment-code';

/** Every command decided on a `payment-code-<codeId>` stream, one file each in this folder. */
export type PaymentCodeCommand = IssuePaymentCode | RedeemPaymentCode;

export const decide = (command: PaymentCodeCommand, state: PaymentCodeState, context: DecideContext = DEFAULT_CONTEXT): PaymentCodeEvent[] => {
  switch (command.type) {
    case 'IssuePaymentCode':
      return decideIssuePaymentCode(command, state, context);
    case 'RedeemPaymentCode':
      return decideRedeemPaymentCode(command, state);
    default:
      throw new InvalidCommand(`unknown payment code command ${(command as { type?: unknown }).type as string}`);
  }
};

export const paymentCodeDecider: Decider<PaymentCodeCommand, PaymentCodeState, PaymentCodeEvent> = { initialState, evolve, decide };
