import { Module } from '@nestjs/common';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import type { CrashPoint } from './projection-handler';
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
        crashAt: config.env === 'test' ? crashPointFrom(process.env.ZAN_TEST_PROJECTOR_CRASH_AT) : undefined,
      }),
    },
    ProjectorService,
    ProjectorObservability,
  ],
  exports: [ProjectorService],
})
export class ProjectorModule {}

/**
 * Fault injection for the reliability tests, honoured only when NODE_ENV=test:
 * `ZAN_TEST_PROJECTOR_CRASH_AT=before-apply:37` (or `after-apply:37`) SIGKILLs the process just before
 * it applies its 37th delivery, or just after, before the offset is committed.
 */
export const crashPointFrom = (setting: string | undefined): CrashPoint | undefined => {
  if (!setting) return undefined;
  const match = /^(before-apply|after-apply):([1-9][0-9]*)$/.exec(setting);
  if (!match) throw new Error(`ZAN_TEST_PROJECTOR_CRASH_AT: expected before-apply:N or after-apply:N, not ${setting}`);
  return {
    point: match[1] as CrashPoint['point'],
    delivery: Number(match[2]),
    crash: () => {
      console.error(`projector: crash point ${setting} reached`);
      process.kill(process.pid, 'SIGKILL');
    },
  };
};
