import { CommandRunner, Option } from 'nest-commander';
import { UsageError } from './exit-codes';
import { parseTimeOption } from './options';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's base must take any arguments
type CommandClass = abstract new (...args: any[]) => CommandRunner;

/**
 * The options several commands share, declared once: `class StatsCommand extends WithJson(WithTimeRange(CommandRunner), '...')`.
 * nest-commander finds options on the whole prototype chain.
 */

/** --from/--to: the events that occurred at or after --from and before --to (check with checkTimeRange). */
export const WithTimeRange = <Base extends CommandClass>(base: Base) => {
  abstract class TimeRangeOptions extends base {
    @Option({ flags: '--from <time>', description: 'only events that occurred at or after this ISO 8601 time (or date, UTC)' })
    parseFrom(value: string): Date {
      return parseTimeOption(value);
    }

    @Option({ flags: '--to <time>', description: 'only events that occurred before this ISO 8601 time (or date, UTC)' })
    parseTo(value: string): Date {
      return parseTimeOption(value);
    }
  }
  return TimeRangeOptions;
};

export const checkTimeRange = ({ from, to }: { from?: Date; to?: Date }): void => {
  if (from && to && from >= to) throw new UsageError('--from must be before --to');
};

/** --json, with what it prints. */
export const WithJson = <Base extends CommandClass>(base: Base, description: string) => {
  abstract class JsonOption extends base {
    @Option({ flags: '--json', description })
    parseJson(): boolean {
      return true;
    }
  }
  return JsonOption;
};
