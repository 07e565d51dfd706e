import { ApiQuery } from '@nestjs/swagger';
import { Inject, Injectable, Query, applyDecorators, mixin, type PipeTransform, type Type } from '@nestjs/common';
import { CLOCK, type Clock } from '@zan/platform';
import { beijingDay, isBeijingDay, type StatsUnit, MAX_STATS_DAYS } from '@zan/read-models';
import { AFTER_QUERY } from '../http/query-params';
import { badRequest } from '../http/validation';
import { ReadYourWrites } from '../queries/read-your-writes';

export interface StatsRange {
  from: string;
  to: string;
}

/** Days shown when the range is not given: the last week, today included. */
export const DEFAULT_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * `from` and `to` from the query string: Beijing days (YYYY-MM-DD), both included, `from` not after
 * `to`, at most MAX_STATS_DAYS[unit] days. Missing: the last DEFAULT_DAYS days up to today in Beijing.
 * Anything else is a 400 problem naming the field.
 */
export const statsRange = (from: unknown, to: unknown, unit: StatsUnit, now: Date): StatsRange => {
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !isBeijingDay(value)))
      throw badRequest(field, 'must be a day of the calendar, YYYY-MM-DD (Beijing time)');
  }
  const end = (to as string | undefined) ?? beijingDay(now);
  const start = (from as string | undefined) ?? new Date(Date.parse(`${end}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  if (start > end) throw badRequest('from', `must not be after to (${end})`);
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS + 1;
  if (days > MAX_STATS_DAYS[unit]) throw badRequest('to', `a range of at most ${MAX_STATS_DAYS[unit]} days for ${unit}s, not ${days}`);
  return { from: start, to: end };
};

/** The query string -> its StatsRange, with today from the injected clock. One pipe class per unit. */
const rangePipes = new Map<StatsUnit, Type<PipeTransform>>();
const rangePipeOf = (unit: StatsUnit): Type<PipeTransform> => {
  let pipe = rangePipes.get(unit);
  if (!pipe) {
    @Injectable()
    class StatsRangePipe implements PipeTransform<Record<string, unknown>, Promise<StatsRange>> {
      constructor(
        @Inject(CLOCK) private readonly clock: Clock,
        private readonly readYourWrites: ReadYourWrites,
      ) {}
      async transform(query: Record<string, unknown>): Promise<StatsRange> {
        const range = statsRange(query.from, query.to, unit, this.clock.now());
        // `?after=` on every query (CONTRACT.md v1.1): these figures come from the read models too.
        await this.readYourWrites.waitFor(query.after);
        return range;
      }
    }
    pipe = mixin(StatsRangePipe);
    rangePipes.set(unit, pipe);
  }
  return pipe;
};

/** The from/to query parameters, documented once. */
const ApiStatsRange = (unit: StatsUnit) =>
  applyDecorators(
    ApiQuery({
      name: 'from',
      required: false,
      schema: { type: 'string', format: 'date' },
      description: `First Beijing day, included (default: ${DEFAULT_DAYS - 1} days before \`to\`)`,
      example: '2026-12-01',
    }),
    ApiQuery(AFTER_QUERY),
    ApiQuery({
      name: 'to',
      required: false,
      schema: { type: 'string', format: 'date' },
      description: `Last Beijing day, included (default: today in Beijing); at most ${MAX_STATS_DAYS[unit]} days in all`,
      example: '2026-12-07',
    }),
  );

/**
 * A route's `?from=&to=` as a checked StatsRange (a 400 problem otherwise), documented in OpenAPI:
 * `list(@StatsRangeQuery('day') range: StatsRange)`.
 */
export const StatsRangeQuery =
  (unit: StatsUnit): ParameterDecorator =>
  (target, method, index) => {
    Query(rangePipeOf(unit))(target, method, index);
    if (method === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, method)!;
    ApiStatsRange(unit)(target, method, descriptor);
  };
