export * from './event-bus.port';
export {
  CE_SPEC_VERSION,
  HEADER,
  JSON_CONTENT_TYPE,
  UndecodableMessageError,
  categoryOf,
  ceSequence,
  ceSource,
  ceType,
  decodeEvent,
  encodeEvent,
  revisionOf,
  structuredCloudEvent,
  topicName,
  type DecodedEvent,
  type EncodedMessage,
  type KafkaRecord,
} from './cloud-events';
export { KafkaEventBus, type KafkaEventBusConfig } from './kafka/kafka-event-bus';
export { InProcessEventBus, type InProcessEventBusConfig } from './in-process/in-process-event-bus';
export { buildAsyncApi, toYaml, CLOUD_EVENT_HEADERS, type AsyncApiOptions, type ExtraChannel } from './asyncapi';
