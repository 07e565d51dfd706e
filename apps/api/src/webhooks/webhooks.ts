import { CreateEndpointController } from './create-endpoint/create-endpoint.controller';
import { DeleteEndpointController } from './delete-endpoint/delete-endpoint.controller';
import { EnableEndpointController } from './enable-endpoint/enable-endpoint.controller';
import { ListDeliveriesController } from './list-deliveries/list-deliveries.controller';
import { ListEndpointsController } from './list-endpoints/list-endpoints.controller';
import { ReplayDeliveriesController } from './replay-deliveries/replay-deliveries.controller';
import { ReplayDeliveriesHandler } from './replay-deliveries/replay-deliveries.handler';
import { RotateSecretController } from './rotate-secret/rotate-secret.controller';
import { WebhookEndpoints } from './webhook-endpoints';

/** What the api module registers for webhook endpoints (admin only): a controller per use case. */
export const WEBHOOK_CONTROLLERS = [
  CreateEndpointController,
  ListEndpointsController,
  DeleteEndpointController,
  ListDeliveriesController,
  ReplayDeliveriesController,
  RotateSecretController,
  EnableEndpointController,
];
export const WEBHOOK_PROVIDERS = [WebhookEndpoints, ReplayDeliveriesHandler];
