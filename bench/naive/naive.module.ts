import {
  ArgumentsHost,
  Body,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  HttpCode,
  HttpException,
  Injectable,
  Module,
  Param,
  Post,
  Req,
  UseGuards,
  type DynamicModule,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { JwtModule, JwtService } from '@nestjs/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@zan/domain';
import { WrongExpectedRevisionError, type PostgresEventStore } from '@zan/event-store';
import { NAIVE_STORE, NaiveClaimCommand, NaiveClaimHandler, NaiveOrderCommand, NaiveOrderHandler, NaiveTipCommand, NaiveTipHandler } from './naive-commands';

type Authed = FastifyRequest & { userId?: string };

/** The same bearer check as Zan's api (HS256 JWT, `sub` is the user), without the rest of its guards. */
@Injectable()
class NaiveAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Authed>();
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new HttpException('missing bearer token', 401);
    const claims = await this.jwt.verifyAsync<{ sub: string }>(token, { algorithms: ['HS256'] }).catch(() => undefined);
    if (typeof claims?.sub !== 'string') throw new HttpException('invalid token', 401);
    request.userId = claims.sub;
    return true;
  }
}

/** Domain errors to their status, as problem+json; a conflict that outlived the retries is a 503. */
@Catch()
class NaiveErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    const [status, code] =
      error instanceof DomainError
        ? [error.status, error.code]
        : error instanceof HttpException
          ? [error.getStatus(), 'http']
          : error instanceof WrongExpectedRevisionError
            ? [503, 'conflict']
            : [500, 'internal'];
    response
      .status(status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: `https://zan.dev/problems/${code}`, status, detail: error instanceof Error ? error.message : String(error) }));
  }
}

@Controller('v1')
@UseGuards(NaiveAuthGuard)
class NaiveCommandsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('tips')
  @HttpCode(201)
  tip(@Req() request: Authed, @Body() body: { authorId: string; articleId: string; amount: number }) {
    return this.commands.execute(new NaiveTipCommand(request.userId!, body.authorId, body.articleId, body.amount));
  }

  @Post('red-packets/:id/claims')
  @HttpCode(201)
  claim(@Req() request: Authed, @Param('id') id: string) {
    return this.commands.execute(new NaiveClaimCommand(request.userId!, id));
  }

  @Post('orders')
  @HttpCode(201)
  order(@Req() request: Authed, @Body() body: { productId: string; quantity: number; expectedPrice: number }) {
    return this.commands.execute(new NaiveOrderCommand(request.userId!, body.productId, body.quantity, body.expectedPrice));
  }
}

/** The floor of HTTP on this machine: Nest on Fastify, as Zan's api, answering a constant, no auth, no I/O. */
@Controller('v1/constant')
class ConstantController {
  @Post()
  @HttpCode(201)
  constant(@Body() _body: unknown) {
    return { ok: true };
  }
}

@Module({})
export class NaiveModule {
  static forStore(store: PostgresEventStore, jwtSecret: string): DynamicModule {
    return {
      module: NaiveModule,
      imports: [CqrsModule.forRoot(), JwtModule.register({ secret: jwtSecret, verifyOptions: { algorithms: ['HS256'] } })],
      controllers: [NaiveCommandsController, ConstantController],
      providers: [
        { provide: NAIVE_STORE, useValue: store },
        { provide: APP_FILTER, useClass: NaiveErrorFilter },
        NaiveAuthGuard,
        NaiveTipHandler,
        NaiveClaimHandler,
        NaiveOrderHandler,
      ],
    };
  }
}
