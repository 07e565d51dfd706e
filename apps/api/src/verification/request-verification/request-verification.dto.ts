import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, ValidateIf } from 'class-validator';
import { freeText } from '../../http/dto-fields';
import { IsFreeText } from '../../http/validation';

/** Letters and digits only: a resident ID number or a unified social credit code, checked by the provider. */
const IDENTITY_NUMBER = /^[0-9A-Za-z]{1,32}$/;

/** One kind's fields: an individual's real name and ID number, or a company's name and credit code. */
export class VerificationBody {
  @ApiProperty({ enum: ['individual', 'business'], example: 'individual' })
  @IsIn(['individual', 'business'], { message: 'kind must be individual or business' })
  kind!: 'individual' | 'business';

  @ApiPropertyOptional({ ...freeText(100), example: '张三', description: 'individual: the real name' })
  @ValidateIf((body: VerificationBody) => body.kind === 'individual' || body.realName !== undefined)
  @IsFreeText(100)
  realName?: string;

  @ApiPropertyOptional({ example: '11010519491231002X', description: 'individual: the 18-character resident ID number (GB 11643)' })
  @ValidateIf((body: VerificationBody) => body.kind === 'individual' || body.idNumber !== undefined)
  // Checked bottom up: a number or null is told it is no string, not that it breaks the pattern.
  @Matches(IDENTITY_NUMBER, { message: 'idNumber must be 1..32 letters and digits' })
  @IsString({ message: 'idNumber must be a string' })
  idNumber?: string;

  @ApiPropertyOptional({ ...freeText(100), example: '某某科技有限公司', description: 'business: the company name' })
  @ValidateIf((body: VerificationBody) => body.kind === 'business' || body.companyName !== undefined)
  @IsFreeText(100)
  companyName?: string;

  @ApiPropertyOptional({ example: '91350100M000100Y43', description: 'business: the 18-character unified social credit code (GB 32100)' })
  @ValidateIf((body: VerificationBody) => body.kind === 'business' || body.licenseNumber !== undefined)
  // Checked bottom up: a number or null is told it is no string, not that it breaks the pattern.
  @Matches(IDENTITY_NUMBER, { message: 'licenseNumber must be 1..32 letters and digits' })
  @IsString({ message: 'licenseNumber must be a string' })
  licenseNumber?: string;
}
