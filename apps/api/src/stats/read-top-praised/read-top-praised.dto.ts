import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StatsRangeDoc } from '../stats-docs';

export class RankedAuthorDoc {
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ type: 'integer', description: 'Tips received in the range, fen', example: 12_800 }) amount!: number;
}

export class RankedArticleDoc {
  @ApiProperty({ example: 'why-zan' }) articleId!: string;
  @ApiPropertyOptional({ description: 'Absent when its publication is not applied yet', example: '为什么是赞' }) title?: string;
  @ApiPropertyOptional({ example: 'bob' }) authorId?: string;
  @ApiProperty({ type: 'integer', description: 'Tips received in the range, fen', example: 8_800 }) amount!: number;
}

export class TopAuthorsDoc extends StatsRangeDoc {
  @ApiProperty({ type: [RankedAuthorDoc], description: 'Highest first, ties by id' }) items!: RankedAuthorDoc[];
}

export class TopArticlesDoc extends StatsRangeDoc {
  @ApiProperty({ type: [RankedArticleDoc], description: 'Highest first, ties by id' }) items!: RankedArticleDoc[];
}
