import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo } from '../core/cli-io';
import { EXIT } from '../core/exit-codes';
import { renderTable, toJson, yuan } from '../core/format';
import { parseIntOption } from '../core/options';
import { Progress, formatCount } from '../core/progress';
import { readEventPages } from '../core/read-events';
import { WithJson, WithTimeRange, checkTimeRange } from '../core/shared-options';
import { compileFilter } from '../events/event-filter';
import { DAY_COLUMNS, LUCK_BUCKETS, Stats, type StatsResult } from './stats';

interface StatsFlags {
  from?: Date;
  to?: Date;
  top?: number;
  days?: number;
  json?: boolean;
}

@Command({
  name: 'stats',
  description:
    'Totals by event type and by day (fundings, tips, red packets, ...), top authors, articles by likes and praise, red-packet luck; --json for machines',
})
export class StatsCommand extends WithJson(WithTimeRange(CommandRunner), 'everything as JSON on stdout (amounts in fen)') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: StatsFlags): Promise<void> {
    checkTimeRange(flags);
    const store = await this.backends.eventStore();
    const head = (await store.headPosition()) ?? 0n;
    const keep = compileFilter({ from: flags.from, to: flags.to });
    const stats = new Stats();
    const progress = new Progress(this.io, 'stats', undefined, head);
    let read = 0;
    try {
      for await (const page of readEventPages(store, { until: head, signal: this.io.signal })) {
        for (const event of page) if (keep(event)) stats.apply(event);
        read += page.length;
        progress.update(page[page.length - 1].position, read);
      }
    } finally {
      progress.stop();
    }
    if (this.io.signal.aborted) {
      this.io.stderr.write('zan: stats interrupted\n');
      this.io.exitCode = EXIT.interrupted;
      return;
    }
    const result = stats.result(flags.top ?? 10);
    this.io.stdout.write(flags.json ? `${toJson(result)}\n` : `${this.render(result, flags.days ?? 31)}\n`);
  }

  private render(result: StatsResult, days: number): string {
    const out: string[] = [
      `Zan stats of ${this.backends.describeEventStore()}: ${formatCount(result.events)} events${result.first ? `, ${result.first} .. ${result.last}` : ''}`,
      '',
      'Events by type (amounts in CNY)',
      renderTable(
        ['type', 'events', 'amount'],
        Object.entries(result.byType).map(([type, t]) => [type, t.count, t.amount ? yuan(t.amount) : '']),
        ['left', 'right', 'right'],
      ),
    ];
    const allDays = Object.entries(result.byDay);
    const shown = allDays.slice(-days);
    out.push('', `By day, UTC (count / CNY)${allDays.length > shown.length ? `: the last ${shown.length} of ${allDays.length} days (all in --json)` : ''}`);
    out.push(
      renderTable(
        ['day', ...DAY_COLUMNS],
        shown.map(([day, row]) => [day, ...DAY_COLUMNS.map((c) => (row[c].count ? `${formatCount(row[c].count)} / ${yuan(row[c].amount)}` : '-'))]),
        ['left', ...DAY_COLUMNS.map(() => 'right' as const)],
      ),
    );
    out.push('', `Top ${result.topAuthors.length} authors by tips received`);
    out.push(
      renderTable(
        ['#', 'author', 'tips', 'articles', 'total CNY'],
        result.topAuthors.map((a, i) => [i + 1, a.authorId, a.tips, a.articles, yuan(a.total)]),
        ['right', 'left', 'right', 'right', 'right'],
      ),
    );
    out.push('', `Top ${result.topArticles.length} articles by praise (tips, then likes)`);
    out.push(
      renderTable(
        ['#', 'article', 'author', 'likes', 'tips', 'total CNY'],
        result.topArticles.map((a, i) => [i + 1, a.articleId, a.authorId ?? '?', a.likes, a.tips, yuan(a.total)]),
        ['right', 'left', 'left', 'right', 'right', 'right'],
      ),
    );
    const luck = result.luck;
    out.push(
      '',
      `Red-packet luck: ${formatCount(luck.claims)} claims of ${formatCount(luck.packets)} lucky packets, each claim as a multiple of its packet's mean share`,
    );
    const most = Math.max(1, ...luck.histogram);
    out.push(
      renderTable(
        ['share / mean', 'claims', '%', ''],
        luck.histogram.map((count, i) => [
          i === LUCK_BUCKETS.length - 1 ? `>= ${LUCK_BUCKETS[i].toFixed(2)}` : `${LUCK_BUCKETS[i].toFixed(2)} - ${LUCK_BUCKETS[i + 1].toFixed(2)}`,
          count,
          luck.claims ? ((100 * count) / luck.claims).toFixed(1) : '0.0',
          '#'.repeat(Math.round((30 * count) / most)),
        ]),
        ['left', 'right', 'right', 'left'],
      ),
    );
    const best = luck.bestLuck;
    if (best.packets > 0) {
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      out.push(
        `Best luck (the largest claim of ${formatCount(best.packets)} packets with 2+ claims): ${pct(best.meanShare)} of the packet on average, median ${pct(best.medianShare)}, at most ${pct(best.maxShare)}; ${best.meanOfMean.toFixed(2)}x the mean share`,
        `Best luck by claim order: ${luck.bestByClaimOrder
          .map((n, i) => (n ? `${i === luck.bestByClaimOrder.length - 1 ? `${i + 1}+` : ordinal(i + 1)} ${formatCount(n)}` : ''))
          .filter(Boolean)
          .join(', ')}`,
      );
    }
    return out.join('\n');
  }

  @Option({ flags: '--top <n>', description: 'authors and articles in the top lists (default 10)' })
  parseTop(value: string): number {
    return parseIntOption(1, 10_000)(value);
  }

  @Option({ flags: '--days <n>', description: 'days shown in the by-day table, the latest (default 31; --json has all)' })
  parseDays(value: string): number {
    return parseIntOption(1, 100_000)(value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  zan stats
  zan stats --from 2026-01-01 --to 2026-02-01 --top 20
  zan stats --json | jq '.luck.bestLuck'`;
  }
}

const ordinal = (n: number): string => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
