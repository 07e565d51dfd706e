import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { EVENT_TYPES } from '@zan/contracts';
import { IsFreeText } from '../../http/validation';

export class CreateEndpointBody {
  @ApiProperty({
    example: 'https://platform.example/zan-webhooks',
    description: 'https (http only with ZAN_WEBHOOKS_ALLOW_PRIVATE=true); no credentials, no fragment',
    maxLength: 2000,
  })
  // The rule checked first is the last listed: no string says so before any length does.
  @MaxLength(2000)
  @IsString()
  url!: string;

  @ApiProperty({ type: [String], example: ['TipReceived', 'ArticleLiked'], description: 'Zan event types to deliver', enum: EVENT_TYPES })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true, message: 'events must list Zan event types' })
  events!: string[];

  @ApiPropertyOptional({ maxLength: 200, example: '公众号 praise notifications' })
  @IsFreeText(200, { optional: true })
  description?: string;
}

export class CreatedEndpointDoc {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The signing secret, shown this once (Standard Webhooks)' }) secret!: string;
}
