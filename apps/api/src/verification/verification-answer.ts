import { ApiProperty } from '@nestjs/swagger';
import type { VerificationStatus } from '@zan/domain';
import { POSITION } from '../http/dto-fields';

/** What asking for verification and an admin's decision answer: where the wallet's verification stands. */
export interface VerificationAnswer {
  userId: string;
  status: VerificationStatus;
  position: string;
}

export class VerificationDoc {
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ enum: ['none', 'pending', 'verified', 'rejected'], example: 'verified' }) status!: string;
  @ApiProperty(POSITION) position!: string;
}
