import { ApiProperty } from '@nestjs/swagger';

export class ArticleEarningsDoc {
  @ApiProperty({ type: 'integer', description: 'in fen', example: 888 }) total!: number;
  @ApiProperty({ type: 'integer', example: 1 }) tips!: number;
}

export class EarningsDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ type: 'integer', description: 'in fen', example: 1_388 }) total!: number;
  @ApiProperty({ type: 'integer', example: 2 }) tips!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ArticleEarningsDoc' },
    example: { 'why-zan': { total: 888, tips: 1 }, 'red-packets-explained': { total: 500, tips: 1 } },
  })
  byArticle!: Record<string, ArticleEarningsDoc>;
}
