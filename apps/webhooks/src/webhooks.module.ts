import { Module } from '@nestjs/common';
import { WebhooksObservability } from './webhooks.observability';
import { WebhooksService } from './webhooks.service';

@Module({
  providers: [WebhooksService, WebhooksObservability],
  exports: [WebhooksService],
})
export class WebhooksModule {}
