import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets in seconds for commands, appends and HTTP requests: 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus registry of one Nest app (served at /metrics). One registry per app, not the
 * global one, so that several apps in one process (tests, `npm start`) never share or clash.
 * Apps add their own metrics here; what every app has (HTTP, process) is defined below.
 */
@Injectable()
export class ZanMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'zan_http_requests_total',
    help: 'HTTP requests answered, by method, route (the template, e.g. /v1/red-packets/:id) and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'zan_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = [], onCollect?: (metric: Counter<L>) => void): Counter<L> {
    return new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(onCollect && {
        collect() {
          onCollect(this);
        },
      }),
    });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }

  /** A gauge read when Prometheus scrapes (lag, positions). */
  gauge(name: string, help: string, read: () => Promise<number> | number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** A counter kept by a service as a plain number, exposed as a Prometheus counter at scrape time. */
  counterOf(name: string, help: string, read: () => number): Counter {
    return this.counter(name, help, [], (metric) => {
      metric.reset();
      metric.inc(read());
    });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
