import { Module } from '@nestjs/common';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { ProjectorObservability } from './projector.observability';
import { PROJECTOR_OPTIONS, type ProjectorOptions, ProjectorService } from './projector.service';

@Module({
  providers: [
    {
      provide: PROJECTOR_OPTIONS,
      inject: [ZAN_CONFIG],
      useFactory: (config: ZanConfig): ProjectorOptions => ({
        groupId: `${config.topicPrefix}.projector`,
        maxAttempts: config.projectorMaxAttempts,
      }),
    },
    ProjectorService,
    ProjectorObservability,
  ],
  exports: [ProjectorService],
})
export class ProjectorModule {}
