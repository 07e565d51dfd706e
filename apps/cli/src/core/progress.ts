import { SingleBar } from 'cli-progress';
import { type CliIo, isInteractive } from './cli-io';

/**
 * A progress bar on stderr, only when stderr is a terminal. Progress is the share of the position
 * range covered (the number of events in a range is not known without reading it); the rate is
 * events per second since the start, the ETA the bar's own estimate.
 */
export class Progress {
  private readonly bar?: SingleBar;
  private readonly startedAt = Date.now();
  private count = 0;

  /**
   * `from`: the position the work starts after; undefined when it starts at the first event, whose
   * position is then taken as the start (positions need not begin near 0).
   */
  constructor(
    io: CliIo,
    label: string,
    private from: bigint | undefined,
    private readonly to: bigint,
  ) {
    if (!isInteractive(io) || (from !== undefined && to <= from)) return;
    this.bar = new SingleBar({
      stream: io.stderr,
      format: `${label} {bar} {percentage}% | {events} events | {rate} ev/s | ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 8,
    });
    this.bar.start(1000, 0, { events: '0', rate: '0' });
  }

  /** `position`: the last event handled; `events`: how many so far. */
  update(position: bigint, events: number): void {
    this.count = events;
    if (!this.bar) return;
    this.from ??= position - 1n;
    const share = this.to > this.from ? Number(((position - this.from) * 1000n) / (this.to - this.from)) : 1000;
    this.bar.update(Math.max(0, Math.min(1000, share)), { events: events.toLocaleString('en-US'), rate: this.rate().toLocaleString('en-US') });
  }

  stop(): void {
    this.bar?.stop();
  }

  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /** Events per second since the start. */
  rate(events: number = this.count): number {
    const seconds = this.elapsedSeconds();
    return seconds > 0 ? Math.round(events / seconds) : 0;
  }
}

export const formatCount = (n: number | bigint): string => n.toLocaleString('en-US');
