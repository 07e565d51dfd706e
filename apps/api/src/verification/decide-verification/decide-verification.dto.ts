import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { freeText } from '../../http/dto-fields';
import { IsFreeText } from '../../http/validation';

export class VerificationDecisionBody {
  @ApiProperty({ enum: ['verified', 'rejected'], example: 'verified' })
  @IsIn(['verified', 'rejected'], { message: 'decision must be verified or rejected' })
  decision!: 'verified' | 'rejected';

  @ApiPropertyOptional({ ...freeText(200), example: 'papers checked at the counter' })
  @IsFreeText(200, { optional: true })
  reason?: string;
}
