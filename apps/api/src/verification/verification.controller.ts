import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { AdminOnly, Public } from '../auth/auth.guard';
import { type CommandContext, Ctx } from '../command-path/command-context';
import { VerificationBody, VerificationDecisionBody } from '../http/dto';
import { AUTHENTICATED, ApiProblems } from '../http/openapi';
import { ProblemException, problem } from '../http/problem';
import { RateLimited } from '../http/rate-limit';
import { VerificationDoc } from '../http/responses';
import { ID_MESSAGE, ID_PATTERN, badRequest } from '../http/validation';
import { Verifications, type ProviderDecision } from './verifications';

const requireId = (value: string, field: string): void => {
  if (!ID_PATTERN.test(value)) throw new ProblemException(problem(400, 'validation', 'Invalid request', `${field} ${ID_MESSAGE}`));
};

const unauthorized = (detail: string) => new ProblemException(problem(401, 'unauthorized', 'Unauthorized', detail));

/** The provider's answer as it must be: anything else is a 400 (the signature was right, the body is not). */
const providerDecisionOf = (body: unknown): ProviderDecision => {
  const b = (body ?? {}) as Record<string, unknown>;
  const bad = (field: string) => new ProblemException(problem(400, 'validation', 'Invalid request', `${field} is missing or malformed`));
  if (typeof b.verificationId !== 'string' || !/^[0-9a-f-]{36}$/.test(b.verificationId)) throw bad('verificationId');
  if (typeof b.userId !== 'string' || !ID_PATTERN.test(b.userId)) throw bad('userId');
  if (b.decision !== 'verified' && b.decision !== 'rejected') throw bad('decision');
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 200)) throw bad('reason');
  return { verificationId: b.verificationId, userId: b.userId, decision: b.decision, ...(b.reason !== undefined && { reason: b.reason as string }) };
};

@ApiTags('verification')
@Controller('v1')
export class VerificationController {
  private readonly callbackSecret: string | undefined;

  constructor(
    private readonly verifications: Verifications,
    @Inject(ZAN_CONFIG) config: ZanConfig,
  ) {
    this.callbackSecret = config.kyc.provider === 'http' ? config.kyc.callbackSecret : undefined;
  }

  @Post('wallets/me/verification')
  @ApiBearerAuth('bearer')
  @RateLimited()
  @ApiOperation({ summary: 'Ask for your wallet to be verified (VerificationRequested, then WalletVerified or VerificationRejected)' })
  @ApiCreatedResponse({ type: VerificationDoc, description: 'The provider answered at once: verified or rejected' })
  @ApiResponse({ status: 202, type: VerificationDoc, description: 'Pending: the provider answers later through its signed callback' })
  @ApiProblems(...AUTHENTICATED, 'validation', 'already-verified', 'verification-kind-mismatch', 'rate-limited', 'verification-provider-unavailable')
  async request(@Ctx() context: CommandContext, @Body() body: VerificationBody, @Res({ passthrough: true }) response: Response) {
    const individual = body.kind === 'individual';
    // One kind's fields only: a person's ID number beside a company's name is a client bug, not a guess to make.
    for (const field of individual ? (['companyName', 'licenseNumber'] as const) : (['realName', 'idNumber'] as const)) {
      if (body[field] !== undefined) throw badRequest(field, `is for ${individual ? 'a business' : 'an individual'} verification, not ${body.kind}`);
    }
    const answer = await this.verifications.request(context, {
      kind: body.kind,
      name: (individual ? body.realName : body.companyName)!,
      number: (individual ? body.idNumber : body.licenseNumber)!,
    });
    response.status(answer.status === 'pending' ? 202 : 201);
    return answer;
  }

  @Post('admin/wallets/:userId/verification')
  @ApiBearerAuth('bearer')
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: "Decide a wallet's verification as an admin, overriding the provider (WalletVerified / VerificationRejected)" })
  @ApiParam({ name: 'userId', example: 'bob' })
  @ApiCreatedResponse({ type: VerificationDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'wallet-not-found')
  decide(@Ctx() context: CommandContext, @Param('userId') userId: string, @Body() body: VerificationDecisionBody) {
    requireId(userId, 'userId');
    return this.verifications.decideAsAdmin(context, userId, body.decision, body.reason);
  }

  @Post('verification-callbacks')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: "The verification provider's answer, signed: X-Zan-Signature is the hex HMAC-SHA256 of the raw body under ZAN_KYC_CALLBACK_SECRET" })
  @ApiHeader({ name: 'X-Zan-Signature', required: true, description: 'hex HMAC-SHA256 of the raw body (a sha256= prefix is accepted)' })
  @ApiNoContentResponse({ description: 'Recorded, or nothing to do (a replay, a stale answer, an answer after an admin decided)' })
  @ApiProblems('unauthorized', 'validation')
  async callback(@Req() request: Request & { rawBody?: Buffer }): Promise<void> {
    if (this.callbackSecret === undefined) throw unauthorized('no verification provider calls back here (ZAN_KYC_PROVIDER is local)');
    const given = /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(request.header('x-zan-signature') ?? '');
    if (!given || !request.rawBody) throw unauthorized('missing or malformed X-Zan-Signature');
    const expected = createHmac('sha256', this.callbackSecret).update(request.rawBody).digest();
    if (!timingSafeEqual(expected, Buffer.from(given[1]!, 'hex'))) throw unauthorized('X-Zan-Signature does not match the body');
    const correlation = request.header('x-correlation-id');
    const correlationId = correlation && /^[A-Za-z0-9._:-]{1,128}$/.test(correlation) ? correlation : randomUUID();
    // Its events' ids derive from the verification it answers (recordProviderDecision), not from this id.
    const context: CommandContext = { userId: 'system:kyc', correlationId, commandId: randomUUID() };
    await this.verifications.recordProviderDecision(context, providerDecisionOf(request.body));
  }

  @Delete('admin/users/:userId/personal-data')
  @ApiBearerAuth('bearer')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: "Destroy a user's personal data (crypto-shredding: their vault key is destroyed; events keep only masked names and hashes)" })
  @ApiParam({ name: 'userId', example: 'bob' })
  @ApiNoContentResponse({ description: 'Shredded (or there was nothing to shred)' })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation')
  async shred(@Param('userId') userId: string): Promise<void> {
    requireId(userId, 'userId');
    await this.verifications.shred(userId);
  }
}
