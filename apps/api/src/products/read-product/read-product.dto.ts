import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RatingDoc {
  @ApiProperty({ description: 'Mean stars (1..5), 0 when unrated', example: 4.5 }) average!: number;
  @ApiProperty({ type: 'integer', example: 12 }) count!: number;
}

export class ProductCardDoc {
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ example: 'zan-coffee' }) merchantId!: string;
  @ApiProperty({ example: '赞咖啡有限公司', description: "The merchant's company name" }) merchantName!: string;
  @ApiProperty({ example: '拿铁' }) title!: string;
  @ApiPropertyOptional({ example: '燕麦奶' }) description?: string;
  @ApiProperty({ type: 'integer', example: 1_800, description: 'In fen' }) price!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 97, description: 'Units left; null: unlimited' }) stock!: number | null;
  @ApiProperty({ type: 'integer', example: 3, description: 'Units sold (popularity)' }) sold!: number;
  @ApiProperty({ enum: ['listed', 'delisted'] }) status!: string;
  @ApiProperty({ type: RatingDoc }) rating!: RatingDoc;
  @ApiProperty({ type: RatingDoc, description: "The merchant's rating over all their products" }) merchantRating!: RatingDoc;
}
