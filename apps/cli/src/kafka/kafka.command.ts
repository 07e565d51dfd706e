import { Inject } from '@nestjs/common';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Command, CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { relayCheckpointName, relayPartitionsName, topicName } from '@zan/messaging';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { BackendUnreachable, UsageError } from '../core/exit-codes';

/** Categories v1 published to and v1.1 does not: a wallet's tips went to `<prefix>.tip`. */
const RETIRED_CATEGORIES = ['tip'];
const DELETE_TIMEOUT_MS = 30_000;

interface MigrateFlags {
  yes?: boolean;
}

/** Runs `work` with an admin client of the brokers, disconnected after; brokers out of reach are BackendUnreachable. */
const withKafkaAdmin = async (brokers: string[], work: (admin: Admin) => Promise<void>): Promise<void> => {
  const admin = new Kafka({ clientId: 'zan-cli', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  try {
    await admin.connect().catch((error: unknown) => {
      throw new BackendUnreachable(`cannot reach Kafka (${brokers.join(',')}): ${(error as Error).message}`, error);
    });
    await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

@SubCommand({
  name: 'migrate-topics',
  description:
    "Move a v1 deployment to v1.1's topics (one per stream category): delete the event topics, zan.tip included, and set the relay's checkpoint to 0, so the relay publishes the whole history again, each stream whole and in order. Stop the relays, projectors and subscribers first",
})
export class MigrateTopicsCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: MigrateFlags): Promise<void> {
    const config = this.backends.config();
    if (!config.kafka) throw new UsageError('KAFKA_BROKERS is not set: without Kafka there are no topics to migrate');
    const prefix = config.kafka.topicPrefix;
    const eventTopics = [...EVENT_CATEGORIES, ...RETIRED_CATEGORIES].map((category) => topicName(prefix, category));
    const checkpoint = relayCheckpointName(prefix);
    const checkpoints = await this.backends.checkpoints();
    await withKafkaAdmin(config.kafka.brokers, async (admin) => {
      const present = (await admin.listTopics()).filter((topic) => eventTopics.includes(topic));
      const plan = `delete ${present.length > 0 ? present.join(', ') : 'no topic (none is there)'} and set the checkpoint ${checkpoint} (now ${(await checkpoints.load(checkpoint)) ?? 'unset'}) to 0`;
      if (!flags.yes)
        throw new UsageError(`migrate-topics would ${plan}; stop the relays, projectors and subscribers, then run it again with --yes (docs/operations.md)`);

      if (present.length > 0) {
        await admin.deleteTopics({ topics: present, timeout: DELETE_TIMEOUT_MS });
        // Deletion completes in the background: a relay started too early would write to a dying topic.
        const deadline = Date.now() + DELETE_TIMEOUT_MS;
        while ((await admin.listTopics()).some((topic) => present.includes(topic))) {
          if (Date.now() > deadline) throw new Error(`topics still listed ${DELETE_TIMEOUT_MS / 1000} s after their deletion: ${present.join(', ')}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      await checkpoints.save(checkpoint, 0n);
      this.io.stdout.write(`zan: did ${plan}\n`);
      note(
        this.io,
        'next: start the relay (it publishes every event again, to one topic per stream category); rebuild the read models (zan projections rebuild) and start the projectors; subscribers read again from the beginning and dedupe on ce_id',
      );
    });
  }

  @Option({ flags: '--yes', description: 'do it (without it: say what would be done, change nothing, exit 2)' })
  parseYes(): boolean {
    return true;
  }

  @Help('after')
  examples(): string {
    return `
Example (docs/operations.md, "Moving a v1 deployment to the v1.1 topics"):
  zan kafka migrate-topics          # what it would delete and reset
  zan kafka migrate-topics --yes`;
  }
}

@SubCommand({
  name: 'accept-partitions',
  description:
    'Record the partitions the event topics have now as those the relay publishes with, after partitions were added to a topic (the relay refuses to publish until then). Stop the relays and let every consumer group catch up (lag 0) first',
})
export class AcceptPartitionsCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: MigrateFlags): Promise<void> {
    const config = this.backends.config();
    if (!config.kafka) throw new UsageError('KAFKA_BROKERS is not set: without Kafka there are no partitions to accept');
    const prefix = config.kafka.topicPrefix;
    const checkpoints = await this.backends.checkpoints();
    await withKafkaAdmin(config.kafka.brokers, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const categories = EVENT_CATEGORIES.filter((category) => existing.has(topicName(prefix, category)));
      const { topics } = categories.length > 0 ? await admin.fetchTopicMetadata({ topics: categories.map((c) => topicName(prefix, c)) }) : { topics: [] };
      const changes: Array<{ name: string; topic: string; recorded: bigint | undefined; now: number }> = [];
      for (const category of categories) {
        const topic = topicName(prefix, category);
        const name = relayPartitionsName(relayCheckpointName(prefix), category);
        const now = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
        const recorded = await checkpoints.load(name);
        if (recorded !== BigInt(now)) changes.push({ name, topic, recorded, now });
      }
      if (changes.length === 0) {
        this.io.stdout.write('zan: every event topic has the partitions the relay publishes with: nothing to accept\n');
        return;
      }
      const plan = changes.map(({ topic, recorded, now }) => `${topic}: ${recorded ?? 'unrecorded'} -> ${now} partitions`).join('; ');
      if (!flags.yes)
        throw new UsageError(
          `accept-partitions would record ${plan}; stop the relays, let every consumer group (projector, webhooks, subscribers) reach lag 0, then run it again with --yes (docs/operations.md)`,
        );
      for (const { name, now } of changes) await checkpoints.save(name, BigInt(now));
      this.io.stdout.write(`zan: recorded ${plan}\n`);
      note(this.io, 'next: start the relay; a stream may now go to another partition than its earlier events, which every consumer has already read');
    });
  }

  @Option({ flags: '--yes', description: 'do it (without it: say what would be recorded, change nothing, exit 2)' })
  parseYes(): boolean {
    return true;
  }

  @Help('after')
  examples(): string {
    return `
Example (docs/operations.md, "Adding partitions to a topic"):
  zan kafka accept-partitions          # what it would record
  zan kafka accept-partitions --yes`;
  }
}

@Command({
  name: 'kafka',
  description: "Operate Zan's Kafka topics",
  subCommands: [MigrateTopicsCommand, AcceptPartitionsCommand],
})
export class KafkaCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    throw new UsageError('kafka: name a command (migrate-topics, accept-partitions)');
  }
}
