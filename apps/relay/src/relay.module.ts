import { Module } from '@nestjs/common';
import { relayCheckpointName } from '@zan/messaging';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { RelayObservability } from './relay.observability';
import { RELAY_OPTIONS, type RelayOptions, RelayService } from './relay.service';

@Module({
  providers: [
    {
      provide: RELAY_OPTIONS,
      inject: [ZAN_CONFIG],
      useFactory: (config: ZanConfig): RelayOptions => ({
        checkpointName: config.kafka ? relayCheckpointName(config.kafka.topicPrefix) : 'relay:in-process',
        durableCheckpoint: config.kafka !== undefined,
      }),
    },
    RelayService,
    RelayObservability,
  ],
  exports: [RelayService],
})
export class RelayModule {}
