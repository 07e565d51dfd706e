import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { OpenWalletBody, WalletOpenedDoc } from './open-wallet.dto';
import { OpenWalletCommand } from './open-wallet.handler';

@ApiTags('wallets')
@ApiBearerAuth('bearer')
@Controller('v1/wallets')
export class OpenWalletController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ optional: true })
  @ApiOperation({ operationId: 'Wallets_open', summary: 'Open your wallet (WalletOpened)' })
  @ApiCreatedResponse({ type: WalletOpenedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress', 'wallet-already-open')
  open(@Ctx() context: CommandContext, @Body() body: OpenWalletBody): Promise<WalletOpenedDoc> {
    return this.commands.execute(new OpenWalletCommand(context, body.kind));
  }
}
