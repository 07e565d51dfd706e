import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { RateLimited } from '../../http/rate-limit';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { badRequest } from '../../http/validation';
import { VerificationDoc } from '../verification-answer';
import { VerificationBody } from './request-verification.dto';
import { RequestVerificationCommand } from './request-verification.handler';

@ApiTags('verification')
@ApiBearerAuth('bearer')
@Controller('v1/wallets/me/verification')
export class RequestVerificationController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RateLimited()
  @ApiOperation({ summary: 'Ask for your wallet to be verified (VerificationRequested, then WalletVerified or VerificationRejected)' })
  @ApiCreatedResponse({ type: VerificationDoc, description: 'The provider answered at once: verified or rejected' })
  @ApiResponse({ status: 202, type: VerificationDoc, description: 'Pending: the provider answers later through its signed callback' })
  @ApiProblems(
    ...AUTHENTICATED,
    'validation',
    'already-verified',
    'verification-rejected-by-admin',
    'verification-kind-mismatch',
    'rate-limited',
    'verification-provider-unavailable',
  )
  async request(@Ctx() context: CommandContext, @Body() body: VerificationBody, @Res({ passthrough: true }) response: FastifyReply) {
    const individual = body.kind === 'individual';
    // One kind's fields only: a person's ID number beside a company's name is a client bug, not a guess to make.
    for (const field of individual ? (['companyName', 'licenseNumber'] as const) : (['realName', 'idNumber'] as const)) {
      if (body[field] !== undefined) throw badRequest(field, `is for ${individual ? 'a business' : 'an individual'} verification, not ${body.kind}`);
    }
    const claim = { kind: body.kind, name: (individual ? body.realName : body.companyName)!, number: (individual ? body.idNumber : body.licenseNumber)! };
    const answer = await this.commands.execute(new RequestVerificationCommand(context, claim));
    response.status(answer.status === 'pending' ? 202 : 201);
    return answer;
  }
}
