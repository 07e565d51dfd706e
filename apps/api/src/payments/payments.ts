import { IssuePaymentCodeController } from './issue-payment-code/issue-payment-code.controller';
import { IssuePaymentCodeHandler } from './issue-payment-code/issue-payment-code.handler';
import { PayByCodeController } from './pay-by-code/pay-by-code.controller';
import { PayByCodeHandler } from './pay-by-code/pay-by-code.handler';

/** What the api module registers for paying in stores and bills: a controller and a handler per use case. */
export const PAYMENT_CONTROLLERS = [IssuePaymentCodeController, PayByCodeController];
export const PAYMENT_PROVIDERS = [IssuePaymentCodeHandler, PayByCodeHandler];
