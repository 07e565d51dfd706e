import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { CLOCK, type Clock } from '@zan/platform';
import { READ_MODEL_STORE, lastHourBuckets, type ReadModelStore } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { AFTER_QUERY } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { ThroughputDoc } from './read-throughput.dto';

/** Events counted behind the watermark at most: enough to tell a hiccup from a stall. */
const BEHIND_SCAN = 1000;

/** Traffic over the last hour (events per minute, by when they occurred) and how far the read models lag the event store. */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadThroughputController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('throughput')
  @ApiOperation({ summary: 'Events per minute over the last hour and the projection lag (admin only)' })
  @ApiOkResponse({ type: ThroughputDoc })
  @ApiQuery(AFTER_QUERY)
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async throughput(@Query('after') after?: string) {
    await this.readYourWrites.waitFor(after);
    const now = this.clock.now();
    const { hours, minutes } = lastHourBuckets(now);
    const [watermark, head] = await Promise.all([this.store.watermark(), this.events.headPosition()]);
    const [buckets, behind] = await Promise.all([
      this.store.stats({ unit: 'hour', from: hours[0].slice(0, 10), to: hours[1].slice(0, 10) }),
      head !== undefined && head > watermark ? this.events.readAll({ after: watermark, maxCount: BEHIND_SCAN }) : Promise.resolve([]),
    ]);
    const byHour = new Map(buckets.map((bucket) => [bucket.at, bucket.eventsByMinute ?? []]));
    const perMinute = minutes.map((at) => ({ at, events: byHour.get(at.slice(0, 13))?.[Number(at.slice(14, 16))] ?? 0 }));
    const events = perMinute.reduce((sum, minute) => sum + minute.events, 0);
    return {
      minutes: perMinute,
      events,
      perSecond: Math.round((events / 3600) * 100) / 100,
      lag: {
        watermark: watermark.toString(),
        head: head === undefined ? null : head.toString(),
        behindEvents: behind.length,
        behindSeconds: behind.length === 0 ? 0 : Math.max(0, (now.getTime() - Date.parse(behind[0]!.occurredAt)) / 1000),
      },
    };
  }
}
