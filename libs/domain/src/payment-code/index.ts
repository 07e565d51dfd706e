export { initialState, evolve, isDynamic, isExpired, type PaymentCodeEvent, type PaymentCodeState } from './payment-code.state';
export { decide, paymentCodeDecider, type PaymentCodeCommand } from './payment-code.decider';
export { decideIssuePaymentCode, PAYMENT_CODE_TTL, type IssuePaymentCode } from './issue-payment-code';
export { decideRedeemPaymentCode, type RedeemPaymentCode } from './redeem-payment-code';
