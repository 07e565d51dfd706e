import { CloudEvent, Kafka as CloudEventsKafka, type KafkaMessage } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { streamCategory } from '@zan/contracts';
import { eventually } from './eventually';

/** A message as a subscribing service receives it: every header a UTF-8 string. */
export interface SubscribedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

const DEAD_LETTERS = 'projector.dead-letters';

/**
 * Reads every event topic of a full-stack deployment from the beginning with a new consumer group, as
 * a subscribing service would (README, "Kafka"), until it has a message for every stored event.
 */
export const readAsSubscriber = async (env: Record<string, string>): Promise<SubscribedMessage[]> => {
  const stored = await storedEventCount(env);
  const kafka = new Kafka({ clientId: 'subscriber', brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const prefix = `${env.ZAN_TOPIC_PREFIX}.`;
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.endsWith(DEAD_LETTERS));
  await admin.disconnect();

  const messages: SubscribedMessage[] = [];
  const consumer = kafka.consumer({ groupId: `${env.ZAN_TOPIC_PREFIX}.subscriber-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(Array.isArray(value) ? value[value.length - 1] : value);
      messages.push({ topic, partition, offset: message.offset, key: message.key!.toString(), headers, value: message.value!.toString() });
    },
  });
  const have = () => new Set(messages.map((m) => m.headers.ce_id)).size;
  try {
    // A new group on a cluster made a moment ago (kafka-broker-wiped) waits for its coordinator and
    // its offsets topic first, which a loaded machine can stretch past half a minute.
    await eventually(`a message for each of the ${stored} stored events`, async () => have() >= stored, 60_000);
  } catch (error) {
    throw new Error(`${(error as Error).message} (have ${have()} of ${stored}, ${messages.length} messages)`);
  } finally {
    await consumer.disconnect();
  }
  return messages;
};

/** Stored events per stream, from the event store itself (what the topics must hold). */
export const storedStreams = async (env: Record<string, string>): Promise<Map<string, number>> => {
  const rows = await queryStore<{ stream_id: string; n: string }>(env, `SELECT stream_id, count(*) AS n FROM "${env.ZAN_PG_SCHEMA}".events GROUP BY stream_id`);
  return new Map(rows.map((r) => [r.stream_id, Number(r.n)]));
};

const storedEventCount = async (env: Record<string, string>): Promise<number> =>
  Number((await queryStore<{ n: string }>(env, `SELECT count(*) AS n FROM "${env.ZAN_PG_SCHEMA}".events`))[0]!.n);

const queryStore = async <Row>(env: Record<string, string>, sql: string): Promise<Row[]> => {
  const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
  await pg.connect();
  try {
    return (await pg.query(sql)).rows as Row[];
  } finally {
    await pg.end();
  }
};

/**
 * What a subscriber folding streams needs, checked on every message: each subject on one topic (its
 * stream category's) and one partition, its revisions (ce_sequence) contiguous from 0 in offset order
 * after deduping redeliveries on (ce_subject, ce_sequence), and as many as the store holds. Answers
 * the messages in the order a subscriber applies them, one list per subject.
 */
export const expectEveryStreamWholeAndInOrder = (
  messages: SubscribedMessage[],
  streams: Map<string, number>,
  prefix: string,
): Map<string, SubscribedMessage[]> => {
  const bySubject = new Map<string, SubscribedMessage[]>();
  const inOffsetOrder = [...messages].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)) : a.topic < b.topic ? -1 : 1,
  );
  const problems: string[] = [];
  for (const message of inOffsetOrder) {
    const subject = message.headers.ce_subject!;
    let seen = bySubject.get(subject);
    if (!seen) bySubject.set(subject, (seen = []));
    const last = seen[seen.length - 1];
    const sequence = Number(message.headers.ce_sequence);
    if (last && Number(last.headers.ce_sequence) >= sequence) {
      // At least once: a redelivery repeats a revision with the same event, never another one.
      const earlier = seen.find((m) => m.headers.ce_sequence === message.headers.ce_sequence);
      if (earlier?.headers.ce_id !== message.headers.ce_id)
        problems.push(`${subject}: revision ${sequence} after ${last.headers.ce_sequence}, not a redelivery`);
      continue;
    }
    if (sequence !== seen.length) problems.push(`${subject}: revision ${sequence} where ${seen.length} was next`);
    // ce_sequence is the plain revision, the same value as v1's zan_revision.
    if (message.headers.ce_sequence !== message.headers.zan_revision)
      problems.push(`${subject}: ce_sequence ${message.headers.ce_sequence} is not zan_revision ${message.headers.zan_revision}`);
    if (message.topic !== `${prefix}.${streamCategory(subject)}`) problems.push(`${subject}@${sequence} on ${message.topic}`);
    if (last && (last.topic !== message.topic || last.partition !== message.partition))
      problems.push(`${subject}@${sequence} moved to ${message.topic}/${message.partition}`);
    seen.push(message);
  }
  for (const [stream, count] of streams) {
    if ((bySubject.get(stream)?.length ?? 0) !== count) problems.push(`${stream}: ${bySubject.get(stream)?.length ?? 0} of its ${count} events`);
  }
  expect(problems).toEqual([]);
  return bySubject;
};

/**
 * Parses a message with the official CloudEvents SDK (its Kafka binding, binary mode) and checks
 * Zan's extension attributes survive it with the values of the event.
 */
export const parseWithCloudEventsSdk = (message: SubscribedMessage): CloudEvent<unknown> => {
  const kafkaMessage: KafkaMessage<string> = { headers: message.headers, key: message.key, value: message.value, body: message.value };
  const parsed = CloudEventsKafka.toEvent(kafkaMessage) as CloudEvent<unknown>;
  expect(parsed.validate()).toBe(true);
  const metadata = JSON.parse(message.headers.zan_metadata!) as { correlationId: string; causationId: string };
  expect(parsed).toMatchObject({
    id: message.headers.ce_id,
    type: message.headers.ce_type,
    subject: message.key,
    datacontenttype: 'application/json',
    sequence: message.headers.zan_revision,
    zanposition: message.headers.zan_position,
    correlationid: metadata.correlationId,
    causationid: metadata.causationId,
  });
  expect(parsed.data).toEqual(JSON.parse(message.value));
  return parsed;
};
