import { Injectable, type NestApplicationOptions, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost, type IEntryNestModule, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestIdOf } from './observability/logging';
import { installRequestHooks } from './observability/request-hooks';

/** The largest request body read: a red packet with its recipient list fits several times over. */
export const BODY_LIMIT = 64 * 1024;

/** Where every problem type Zan answers is named: `https://zan.dev/problems/<code>`. */
export const PROBLEM_BASE = 'https://zan.dev/problems/';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
const problemBody = (status: number, code: string, title: string, detail: string): string =>
  JSON.stringify({ type: `${PROBLEM_BASE}${code}`, title, status, detail });

/** A problem+json answer as raw HTTP, the connection closed after it: for requests answered below Fastify. */
const rawProblem = (status: number, code: string, title: string, detail: string): string => {
  const body = problemBody(status, code, title, detail);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
};

/**
 * A request Node's HTTP parser refuses (two Content-Length headers, a bad chunk, a header too large,
 * a control character in a header, an unknown method) never reaches a route: it is answered here, on
 * the socket, as every other refusal is, with application/problem+json (Fastify's own answer is
 * plain JSON of another shape).
 */
const answerClientError = (error: NodeJS.ErrnoException, socket: Socket): void => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Titles in sentence case, as the api's other problems (HTTP_PROBLEMS).
  const [status, code, title, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'Request timeout', 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request-header-fields-too-large', 'Request header fields too large', 'the request headers are too large']
        : [400, 'bad-request', 'Bad request', 'the request is not well-formed HTTP/1.1'];
  if (socket.writable) socket.write(rawProblem(status, code, title, detail));
  socket.destroy(error);
};

/**
 * What Node answers itself, before any route, answered as the parser's refusals are: an HTTP/1.1
 * request without Host (Node's bare 400 is turned off for it: requireHostHeader), an Expect other
 * than 100-continue (Node's bare 417) and a CONNECT (Node drops the connection without a word).
 */
const answerNodeRefusals = (fastify: FastifyInstance): void => {
  fastify.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = problemBody(417, 'expectation-failed', 'Expectation failed', 'the only Expect answered is 100-continue');
    response.writeHead(417, { 'Content-Type': PROBLEM_JSON, 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
  });
  fastify.server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.end(rawProblem(400, 'bad-request', 'Bad request', 'CONNECT is not served here'));
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined) return done();
    void reply
      .code(400)
      .header('Connection', 'close')
      .type(PROBLEM_JSON)
      .send(problemBody(400, 'bad-request', 'Bad request', 'an HTTP/1.1 request needs a Host header'));
  });
};

/**
 * Fastify under Nest, routing as Zan's routes were always matched: a trailing slash and the letters'
 * case make no difference, and an id of any length reaches its route (which answers a bad one with a
 * 400, not an unknown route's 404), and a request still has Node's 300 s to arrive whole (Fastify
 * would turn that limit off, leaving a slow sender a connection for ever). Fastify's own logger is
 * off (pino through Nest logs every request), and so is middie: per-request work is Fastify hooks
 * (installRequestHooks), no Nest middleware.
 */
export const httpAdapter = (): FastifyAdapter => {
  const adapter: FastifyAdapter = new FastifyAdapter({
    logger: false,
    bodyLimit: BODY_LIMIT,
    requestTimeout: 300_000,
    http: { requireHostHeader: false },
    skipMiddie: true,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 16 * 1024 },
    clientErrorHandler: answerClientError,
    // A path Fastify cannot decode (`%FF`) fails before any route or hook, and Fastify would answer
    // its own JSON: it goes to the app's error handler instead (the api's problem filter), with ids.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      requestIdOf(request.raw, reply.raw);
      void adapter.getInstance<FastifyInstance>().errorHandler(error, request, reply);
    },
  });
  return adapter;
};

/**
 * Every Zan process's Nest application (the api answers commands and queries on it; the relay, the
 * projector and the webhook dispatcher their probes and metrics). Bodies are read only where a
 * process registers a parser for them (the api's JSON, configureHttp).
 */
export const createHttpApp = async (module: IEntryNestModule, options: NestApplicationOptions = {}): Promise<NestFastifyApplication> => {
  // A provider that fails at start (the event store unreachable) is thrown to the caller, whose main
  // prints one line and exits 1: Nest would otherwise print its start-up narration and the error's
  // stack in its own format, bypassing the JSON logger, and exit by itself. The buffered logs go out
  // once the logger is in (useZanLogger flushes them).
  const app = await NestFactory.create<NestFastifyApplication>(module, httpAdapter(), {
    bufferLogs: true,
    abortOnError: false,
    autoFlushLogs: false,
    ...options,
    bodyParser: false,
  });
  // Fastify's own JSON and text parsers go: a process reads the bodies it registers a parser for.
  app.getHttpAdapter().getInstance().removeAllContentTypeParsers();
  answerNodeRefusals(app.getHttpAdapter().getInstance());
  installRequestHooks(app);
  return app;
};

/**
 * Fastify answers once its routes are loaded (`ready`), which Nest's `init` does not wait for: a test
 * that inits the app and sends requests to its server without `listen` would hang. The app's last
 * start-up step, so every route, hook and parser is in by then.
 */
@Injectable()
export class HttpServerReady implements OnApplicationBootstrap {
  constructor(private readonly host: HttpAdapterHost) {}

  async onApplicationBootstrap(): Promise<void> {
    const adapter = this.host.httpAdapter as FastifyAdapter | undefined;
    await adapter?.getInstance().ready();
  }
}
