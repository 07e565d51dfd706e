/**
 * The AsyncAPI 3 document of Zan's Kafka topics (docs/asyncapi.yaml), built from the contracts:
 * EVENT_CATALOG (types, categories, versions), EVENT_SCHEMAS (payloads) and the CloudEvents mapping
 * of cloud-events.ts (headers). `npm run docs:asyncapi` writes it; a test fails when it drifts.
 */
import { EVENT_CATALOG, EVENT_METADATA_SCHEMA, EVENT_SCHEMAS, EVENT_TYPES, type JsonSchema } from '@zan/contracts';
import { CE_SPEC_VERSION, HEADER, JSON_CONTENT_TYPE, ceType, topicName } from './cloud-events';

export interface ExtraChannel {
  category: string;
  title: string;
  description: string;
  /** Headers a message of this channel carries besides the event's own. */
  headers: Record<string, string>;
}

export interface AsyncApiOptions {
  topicPrefix?: string;
  /** Channels other components add (the projector's dead letters). */
  extraChannels?: ExtraChannel[];
}

const decimal = (description: string): JsonSchema => ({ type: 'string', pattern: '^(0|[1-9][0-9]*)$', description });

/** The CloudEvents 1.0 binary-mode headers of every event message (all values are UTF-8 strings). */
export const CLOUD_EVENT_HEADERS: JsonSchema = {
  type: 'object',
  required: Object.values(HEADER),
  properties: {
    [HEADER.specVersion]: { type: 'string', const: CE_SPEC_VERSION, description: 'CloudEvents specversion' },
    [HEADER.id]: { type: 'string', format: 'uuid', description: 'the event id: dedupe on it (delivery is at least once)' },
    [HEADER.type]: { type: 'string', pattern: '^zan\\.[A-Za-z][A-Za-z0-9]*\\.v[1-9][0-9]*$', description: 'zan.<Type>.v<version> of the payload' },
    [HEADER.source]: { type: 'string', pattern: '^urn:zan:[a-z-]+$', description: 'urn:zan:<stream category>, e.g. urn:zan:wallet' },
    [HEADER.subject]: { type: 'string', description: 'the stream id (also the message key), e.g. wallet-alice' },
    [HEADER.time]: { type: 'string', format: 'date-time', description: 'when the event occurred (RFC 3339)' },
    [HEADER.contentType]: { type: 'string', const: JSON_CONTENT_TYPE, description: 'CloudEvents datacontenttype' },
    [HEADER.sequence]: decimal(
      'CloudEvents sequence extension: the revision of the event in its stream, from 0, contiguous on the topic, a plain decimal equal to zan_revision (e.g. 7); compare as integers, not as text. With ce_subject, a dedupe key and a gap detector',
    ),
    [HEADER.zanPosition]: decimal('CloudEvents extension: global position in the event store (may exceed 2^53: read it as a string or a big integer)'),
    [HEADER.correlationId]: {
      type: 'string',
      minLength: 1,
      description: 'CloudEvents extension: the correlation id of the command that started the chain (kept by every credit, escrow, expiry and refund)',
    },
    [HEADER.causationId]: {
      type: 'string',
      minLength: 1,
      description: 'CloudEvents extension: what caused the event: the command id, or the id of the event a process manager or timer reacted to',
    },
    [HEADER.position]: decimal('v1 name of ce_zanposition, same value; kept until v2'),
    [HEADER.revision]: decimal('v1 name of ce_sequence, same value; kept until v2'),
    [HEADER.prevPosition]: decimal('position of the event published just before this one, on any topic (0 before the first)'),
    [HEADER.metadata]: {
      type: 'string',
      contentMediaType: JSON_CONTENT_TYPE,
      contentSchema: { $ref: '#/components/schemas/EventMetadata' },
      description: 'the event metadata as JSON: correlationId, causationId, userId, idempotencyKey?, traceparent?',
    },
  },
};

const messageName = (type: string, version: number): string => `${type}.v${version}`;

/** Every (type, version) a consumer may meet: the current version and every older one an upcaster reads. */
const versionsOf = (type: keyof typeof EVENT_CATALOG): number[] => Array.from({ length: EVENT_CATALOG[type].version }, (_, i) => i + 1);

export const buildAsyncApi = (options: AsyncApiOptions = {}): Record<string, unknown> => {
  const prefix = options.topicPrefix ?? 'zan';
  const categories = [...new Set(EVENT_TYPES.map((type) => EVENT_CATALOG[type].category))];
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { CloudEventHeaders: CLOUD_EVENT_HEADERS, EventMetadata: EVENT_METADATA_SCHEMA };
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};

  for (const category of categories) {
    const names: string[] = [];
    for (const type of EVENT_TYPES.filter((t) => EVENT_CATALOG[t].category === category)) {
      for (const version of versionsOf(type)) {
        const payload = EVENT_SCHEMAS[type][version];
        if (!payload) throw new Error(`no JSON Schema for ${type} v${version} in EVENT_SCHEMAS`);
        const name = messageName(type, version);
        const current = version === EVENT_CATALOG[type].version;
        schemas[name] = payload;
        messages[name] = {
          name: type,
          title: `${type} v${version}${current ? '' : ' (older version, upcast by Zan on read)'}`,
          summary: typeof payload.description === 'string' ? payload.description : type,
          contentType: JSON_CONTENT_TYPE,
          headers: {
            allOf: [{ $ref: '#/components/schemas/CloudEventHeaders' }, { type: 'object', properties: { [HEADER.type]: { const: ceType(type, version) } } }],
          },
          payload: { $ref: `#/components/schemas/${name}` },
          correlationId: { description: 'the correlation id of the command that started the chain', location: `$message.header#/${HEADER.correlationId}` },
          bindings: { kafka: { key: { type: 'string', description: 'the stream id: one stream keeps its order on one partition' }, bindingVersion: '0.5.0' } },
        };
        names.push(name);
      }
    }
    channels[category] = {
      address: topicName(prefix, category),
      title: `${category} events`,
      description: `Every event of every ${category} stream, keyed by stream id: one stream's events are on one partition, in revision order (ce_sequence 0, 1, 2, ...). Unlimited retention: a new consumer group reading from the beginning replays the whole history.`,
      messages: Object.fromEntries(names.map((name) => [name, { $ref: `#/components/messages/${name}` }])),
      bindings: { kafka: { topicConfiguration: { 'retention.ms': -1 }, bindingVersion: '0.5.0' } },
    };
    operations[`receive-${category}`] = {
      action: 'receive',
      summary: `Subscribe to ${topicName(prefix, category)}`,
      channel: { $ref: `#/channels/${category}` },
      messages: names.map((name) => ({ $ref: `#/channels/${category}/messages/${name}` })),
    };
  }

  for (const extra of options.extraChannels ?? []) {
    const name = `${extra.category}.message`;
    schemas[`${extra.category}.headers`] = {
      type: 'object',
      description: "The original message's headers (a Zan CloudEvent's when it could be read), plus these",
      required: Object.keys(extra.headers),
      properties: Object.fromEntries(Object.entries(extra.headers).map(([header, description]) => [header, { type: 'string', description }])),
      additionalProperties: { type: 'string' },
    };
    messages[name] = {
      name: extra.category,
      title: extra.title,
      summary: extra.description,
      headers: { $ref: `#/components/schemas/${extra.category}.headers` },
      payload: { description: "The original message's value, byte for byte (an event payload when it could be read)" },
      bindings: { kafka: { key: { type: 'string', description: "the original message's key" }, bindingVersion: '0.5.0' } },
    };
    channels[extra.category] = {
      address: topicName(prefix, extra.category),
      title: extra.title,
      description: extra.description,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`receive-${extra.category}`] = {
      action: 'receive',
      summary: `Inspect or replay ${topicName(prefix, extra.category)}`,
      channel: { $ref: `#/channels/${extra.category}` },
      messages: [{ $ref: `#/channels/${extra.category}/messages/${name}` }],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Zan events',
      version: '1.1',
      description: [
        'Every event Zan stores is published by the relay to Kafka as a CloudEvent 1.0 in binary content mode:',
        'the headers below, the JSON payload as the value, the stream id as the key.',
        "Topics are one per stream category: every event of a stream is on its category's topic, in revision order.",
        "Zan's attributes are CloudEvents extension attributes (ce_sequence, ce_zanposition, ce_correlationid, ce_causationid); v1's zan_position and zan_revision stay beside them until v2.",
        'Delivery is at least once: dedupe on ce_id, or on (ce_subject, ce_sequence).',
        'v1.1 retired the v1 topic <prefix>.tip: TipPraised and TipReceived are on <prefix>.wallet (filter by ce_type).',
        'A payload of an older version (ce_type zan.<Type>.v<n>) may still be on a topic; Zan upcasts it on read.',
        'Generated from libs/contracts by `npm run docs:asyncapi`; do not edit by hand.',
      ].join('\n'),
    },
    defaultContentType: JSON_CONTENT_TYPE,
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'the broker of `bash infra/kafka/start.sh` (topic prefix ZAN_TOPIC_PREFIX, default zan)',
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
};

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_.$-]*$/;

/** YAML for plain JSON data: block style, every string double-quoted (JSON escapes are valid YAML). */
export const toYaml = (value: unknown, indent = ''): string => {
  const key = (k: string) => (PLAIN_KEY.test(k) ? k : JSON.stringify(k));
  const scalar = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : 'null');
  const isEmpty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0);
  const inline = (v: unknown) => (Array.isArray(v) ? '[]' : typeof v === 'object' && v !== null ? '{}' : scalar(v));
  const nested = (v: unknown) => typeof v === 'object' && v !== null && !isEmpty(v);
  if (Array.isArray(value)) {
    return value.map((item) => (nested(item) ? `${indent}-\n${toYaml(item, `${indent}  `)}` : `${indent}- ${inline(item)}\n`)).join('');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => (nested(v) ? `${indent}${key(k)}:\n${toYaml(v, `${indent}  `)}` : `${indent}${key(k)}: ${inline(v)}\n`))
    .join('');
};
