import { ApiProperty } from '@nestjs/swagger';

export class ArticleDoc {
  @ApiProperty({ example: 'why-zan' }) articleId!: string;
  @ApiProperty({ example: 'bob' }) authorId!: string;
  @ApiProperty({ example: '为什么是赞' }) title!: string;
  @ApiProperty({ type: 'integer', description: 'Likes standing now (without cash)', example: 42 }) likes!: number;
  @ApiProperty({ type: 'integer', description: 'Tips to this article', example: 3 }) tips!: number;
  @ApiProperty({ type: 'integer', description: 'Sum of the tips, in fen', example: 2_664 }) total!: number;
  @ApiProperty({ description: 'Whether you like it now', example: true }) likedByMe!: boolean;
}

export class PraiserDoc {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ format: 'date-time', example: '2026-02-10T08:00:00.000Z' }) at!: string;
  @ApiProperty({ type: 'integer', description: 'The tip in fen, or 0 for a like without cash', example: 888 }) amount!: number;
}
