import { DecideVerificationController } from './decide-verification/decide-verification.controller';
import { DecideVerificationHandler } from './decide-verification/decide-verification.handler';
import { ProviderCallbackController } from './provider-callback/provider-callback.controller';
import { RecordProviderDecisionHandler } from './provider-callback/provider-callback.handler';
import { RequestVerificationController } from './request-verification/request-verification.controller';
import { RequestVerificationHandler } from './request-verification/request-verification.handler';
import { ShredPersonalDataController } from './shred-personal-data/shred-personal-data.controller';
import { ShredPersonalDataHandler } from './shred-personal-data/shred-personal-data.handler';
import { Verifications } from './verifications';
import { VerifiedNames } from './verified-names';

/** What the api module registers for verification: a controller and a command handler per use case. */
export const VERIFICATION_CONTROLLERS = [RequestVerificationController, DecideVerificationController, ProviderCallbackController, ShredPersonalDataController];
export const VERIFICATION_PROVIDERS = [
  Verifications,
  VerifiedNames,
  RequestVerificationHandler,
  DecideVerificationHandler,
  RecordProviderDecisionHandler,
  ShredPersonalDataHandler,
];
