/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set.
 * Imported first by every main.ts, before Nest, pg or ioredis are loaded, so their
 * instrumentations can hook in. This file loads nothing but the configuration, the OpenTelemetry
 * API (which hooks into nothing) and, when tracing is on, the OpenTelemetry SDK. Spans go to the
 * OTLP/HTTP endpoint (standard OTEL_* variables).
 */
import { markTracingStarted } from './observability/trace-context';
import { loadConfig } from './zan.config';

let provider: { shutdown(): Promise<void> } | undefined;

/** Starts tracing when configured; returns whether it did. A bad setting is left for the app to report. */
export const startTracing = (defaultServiceName: string): boolean => {
  if (provider) return true;
  let tracing;
  try {
    tracing = loadConfig().tracing;
  } catch {
    return false;
  }
  if (!tracing) return false;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');

  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': tracing.serviceName ?? defaultServiceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, W3C trace context propagation, AsyncLocalStorage context.
  tracerProvider.register();
  registerInstrumentations({
    tracerProvider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not traced; neither are the exporter's own requests.
        ignoreIncomingRequestHook: (req) => /^\/(metrics|health\/)/.test(req.url ?? ''),
        ignoreOutgoingRequestHook: () => true,
        // The route Fastify matched (request-hooks.ts) names the span: `POST /v1/tips`, ids left out.
        applyCustomAttributesOnSpan: (span, request) => {
          const route = (request as { route?: unknown }).route;
          if (typeof route !== 'string') return;
          span.setAttribute('http.route', route);
          span.updateName(`${(request as { method?: string }).method ?? 'HTTP'} ${route}`);
        },
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  provider = tracerProvider;
  markTracingStarted();
  return true;
};

/** Sends the spans still buffered; called at the end of a graceful shutdown. */
export const stopTracing = async (): Promise<void> => {
  const stopping = provider;
  provider = undefined;
  await stopping?.shutdown().catch(() => undefined);
};
