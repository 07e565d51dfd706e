import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { freeTextProblem } from '@zan/contracts';
import { ID_MESSAGE, ID_PATTERN, badRequest } from '../../http/validation';

/** The provider's answer to one request, once its signature is checked. */
export interface ProviderDecision {
  verificationId: string;
  userId: string;
  decision: 'verified' | 'rejected';
  reason?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REASON_MAX_LENGTH = 200;

/**
 * The callback's body, for the OpenAPI document. It is read by hand (providerDecisionOf), not by the
 * validation pipe: the signature over the raw bytes is checked first, so an unsigned body is a 401
 * whatever it holds. Fields the provider adds are ignored.
 */
export class ProviderCallbackBody {
  @ApiProperty({ format: 'uuid', description: 'The verificationId Zan sent the provider' }) verificationId!: string;
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ enum: ['verified', 'rejected'] }) decision!: string;
  @ApiPropertyOptional({ maxLength: REASON_MAX_LENGTH, description: 'free text, no control characters' }) reason?: string;
}

/** The signed body as it must be: anything else is a 400 naming the field (the signature was right, the body is not). */
export const providerDecisionOf = (body: unknown): ProviderDecision => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.verificationId !== 'string' || !UUID.test(b.verificationId)) throw badRequest('verificationId', 'verificationId must be the uuid Zan sent');
  if (typeof b.userId !== 'string' || !ID_PATTERN.test(b.userId)) throw badRequest('userId', `userId ${ID_MESSAGE}`);
  if (b.decision !== 'verified' && b.decision !== 'rejected') throw badRequest('decision', 'decision must be verified or rejected');
  if (b.reason !== undefined) {
    const problem = typeof b.reason === 'string' ? freeTextProblem(b.reason, REASON_MAX_LENGTH) : `must be a string of 1..${REASON_MAX_LENGTH} characters`;
    if (problem !== undefined) throw badRequest('reason', `reason ${problem}`);
  }
  return { verificationId: b.verificationId, userId: b.userId, decision: b.decision, ...(b.reason !== undefined && { reason: b.reason as string }) };
};
