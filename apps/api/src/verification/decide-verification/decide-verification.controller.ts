import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { requireUserId } from '../user-id';
import { VerificationDoc } from '../verification-answer';
import { VerificationDecisionBody } from './decide-verification.dto';
import { DecideVerificationCommand } from './decide-verification.handler';

@ApiTags('verification')
@ApiBearerAuth('bearer')
@Controller('v1/admin/wallets/:userId/verification')
export class DecideVerificationController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: "Decide a wallet's verification as an admin, overriding the provider (WalletVerified / VerificationRejected)" })
  @ApiParam({ name: 'userId', example: 'bob' })
  @ApiCreatedResponse({ type: VerificationDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'wallet-not-found')
  decide(@Ctx() context: CommandContext, @Param('userId') userId: string, @Body() body: VerificationDecisionBody) {
    return this.commands.execute(new DecideVerificationCommand(context, requireUserId(userId), body.decision, body.reason));
  }
}
