/**
 * The kept floor behind NestJS (bench/floor.ts, mode `kept-nest`): the same tip as bench/floor/kept.ts
 * (bench/floor/kept-tips.ts), served the way the brief has Zan serve its commands, so that the two
 * modes side by side say what the framework alone costs a tip. A NestJS app on Fastify, as the api:
 * - a guard verifying the bearer token (BearerTokenVerifier), an interceptor requiring the
 *   Idempotency-Key, the body read by Zan's parseJsonBody as the api's content-type parser reads it
 *   and validated by the api's own pipe (strictValidationPipe) as the api's own TipBody;
 * - a controller handing a command to @nestjs/cqrs's CommandBus, and its @CommandHandler deciding it;
 * - Zan's per-request operability around Fastify's handler (serve.ts: security headers, request ids,
 *   log store, metrics), as kept.ts has it.
 * None of Zan's other per-request work (rate limits, the idempotency interceptor's records, the
 * command runner, the problem filter, metrics per command) is here: that is Zan's, not the framework's.
 */
import { createServer } from 'node:http';
import {
  Body,
  type CallHandler,
  type CanActivate,
  Controller,
  type ExecutionContext,
  HttpCode,
  HttpException,
  Injectable,
  Module,
  type NestInterceptor,
  Post,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseJsonBody } from '../../apps/api/src/http/json-body';
import { strictValidationPipe } from '../../apps/api/src/http/validation';
import { TipBody } from '../../apps/api/src/tips/praise-tip/praise-tip.dto';
import { BODY_LIMIT } from '../../libs/platform/src/http-platform';
import { KEY_PATTERN, keptTip, pool, problem, tokens, type KeptTipBody } from './kept-tips';
import { operable } from './serve';

type TipRequest = FastifyRequest & { readerId?: string; idempotencyKey?: string };

const refusal = (type: string, status: number) => new HttpException(JSON.parse(problem(type, status)) as object, status);

@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<TipRequest>();
    const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? '');
    try {
      const claims = tokens.verify(bearer?.[1] ?? '', Date.now());
      if (typeof claims.sub !== 'string') throw new Error('no sub');
      request.readerId = claims.sub;
      return true;
    } catch {
      throw refusal('unauthorized', 401);
    }
  }
}

@Injectable()
class IdempotencyKeyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const request = context.switchToHttp().getRequest<TipRequest>();
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw refusal('idempotency-key-required', 400);
    request.idempotencyKey = key;
    return next.handle();
  }
}

class KeptTipCommand extends Command<object> {
  constructor(
    readonly readerId: string,
    readonly idempotencyKey: string,
    readonly body: KeptTipBody,
    readonly requestId: unknown,
  ) {
    super();
  }
}

@CommandHandler(KeptTipCommand)
class KeptTipHandler implements ICommandHandler<KeptTipCommand> {
  async execute({ readerId, idempotencyKey, body, requestId }: KeptTipCommand): Promise<object> {
    const answer = await keptTip(readerId, idempotencyKey, body, requestId);
    if (answer.problem) throw new HttpException(JSON.parse(answer.body) as object, answer.status);
    return JSON.parse(answer.body) as object;
  }
}

@Controller('v1/tips')
class TipsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @UseGuards(BearerGuard)
  @UseInterceptors(IdempotencyKeyInterceptor)
  tip(@Req() request: TipRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: TipBody): Promise<object> {
    return this.commands.execute(new KeptTipCommand(request.readerId!, request.idempotencyKey!, body, reply.raw.getHeader('x-request-id')));
  }
}

@Module({ imports: [CqrsModule.forRoot()], controllers: [TipsController], providers: [KeptTipHandler] })
class KeptNestModule {}

const main = async (): Promise<void> => {
  const adapter = new FastifyAdapter({
    logger: false,
    skipMiddie: true,
    bodyLimit: BODY_LIMIT,
    serverFactory: (handler: Parameters<typeof operable>[1]) => {
      const server = createServer(operable('/v1/tips', handler));
      server.keepAliveTimeout = 60_000;
      return server;
    },
  });
  // As the api (createHttpApp): Nest's body parser off, Fastify's own parsers gone, Zan's JSON parser in.
  const app = await NestFactory.create<NestFastifyApplication>(KeptNestModule, adapter, { logger: ['warn', 'error'], bodyParser: false });
  app.useGlobalPipes(strictValidationPipe());
  app.getHttpAdapter().getInstance().removeAllContentTypeParsers();
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, raw, done) => {
      try {
        done(null, parseJsonBody(request, raw as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0)); // exiting is all that is left to do
  });
};

void main();
