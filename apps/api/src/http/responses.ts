import { ApiProperty } from '@nestjs/swagger';
import { POSITION } from './dto-fields';

// Verification's answer, until verification/ is laid out by use case like the others.
export class VerificationDoc {
  @ApiProperty({ example: 'bob' }) userId!: string;
  @ApiProperty({ enum: ['none', 'pending', 'verified', 'rejected'], example: 'verified' }) status!: string;
  @ApiProperty(POSITION) position!: string;
}
