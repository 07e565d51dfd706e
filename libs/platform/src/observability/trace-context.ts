import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * Spans of Zan's own steps (command, append, relay, projector) through the OpenTelemetry API: all
 * no-ops unless tracing was started (tracing.ts). The trace context crosses the event store and
 * Kafka inside the event's metadata (`traceparent`, W3C Trace Context), so one trace spans
 * HTTP -> command -> append -> relay -> Kafka -> projector.
 */
const tracer = () => trace.getTracer('zan');

/**
 * Whether tracing was started in this process (startTracing). Until then inSpan makes no span at
 * all: the API's no-op tracer would still build a span and a context for each of a tip's four
 * (about 1.5% of the api's CPU per tip, session 18's profile), for nothing to record them.
 */
let tracing = false;

/** Called by startTracing once its tracer provider is registered. */
export const markTracingStarted = (): void => {
  tracing = true;
};

/** What `work` is given while tracing is off: a span that records nothing. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export { SpanKind };

/** The W3C traceparent of the active span; undefined when tracing is off. */
export const activeTraceparent = (): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
};

/** The metadata with the active span's traceparent added, or unchanged when tracing is off. */
export const withTraceparent = <M extends object>(metadata: M): M => {
  const traceparent = activeTraceparent();
  return traceparent ? { ...metadata, traceparent } : metadata;
};

/** The context of an event's recorded span (its metadata's traceparent), or the root context. */
export const contextOfEvent = (metadata: Record<string, unknown> | undefined): Context =>
  typeof metadata?.traceparent === 'string' ? propagation.extract(ROOT_CONTEXT, { traceparent: metadata.traceparent }) : ROOT_CONTEXT;

export interface SpanSettings {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: Context;
}

/** `work` with no span made; async, so that a throw becomes a rejection as with a span. */
const untraced = async <T>(work: (span: Span) => Promise<T>): Promise<T> => work(NO_SPAN);

/** Runs `work` in a new active span, recording a thrown error. */
export const inSpan = <T>(name: string, settings: SpanSettings, work: (span: Span) => Promise<T>): Promise<T> =>
  !tracing
    ? untraced(work)
    : tracer().startActiveSpan(
        name,
        { kind: settings.kind ?? SpanKind.INTERNAL, attributes: settings.attributes },
        settings.parent ?? context.active(),
        async (span) => {
          try {
            return await work(span);
          } catch (error) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
            throw error;
          } finally {
            span.end();
          }
        },
      );

/** A span started now and ended by the caller (the relay ends it when Kafka acknowledged the batch). */
export const startSpan = (name: string, settings: SpanSettings): Span =>
  tracer().startSpan(name, { kind: settings.kind ?? SpanKind.INTERNAL, attributes: settings.attributes }, settings.parent ?? context.active());

/** The traceparent of a span (to hand over in an event's metadata); undefined when tracing is off. */
export const traceparentOf = (span: Span): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent;
};
