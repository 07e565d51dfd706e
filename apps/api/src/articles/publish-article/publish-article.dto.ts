import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { ARTICLE_TITLE_MAX_LENGTH } from '@zan/contracts';
import { IsFreeText, ID_MESSAGE, ID_PATTERN } from '../../http/validation';

export class PublishArticleBody {
  @ApiProperty({
    pattern: ID_PATTERN.source,
    maxLength: 128,
    example: 'why-zan',
    description: 'Your id for the article; the first to publish it is its author',
  })
  @IsString()
  @Matches(ID_PATTERN, { message: `articleId ${ID_MESSAGE}` })
  articleId!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: ARTICLE_TITLE_MAX_LENGTH,
    example: '为什么是赞',
    description: `free text: 1..${ARTICLE_TITLE_MAX_LENGTH} Unicode characters, no control characters`,
  })
  @IsFreeText(ARTICLE_TITLE_MAX_LENGTH)
  title!: string;
}

export class ArticlePublishedDoc {
  @ApiProperty({ example: 'why-zan' }) articleId!: string;
  @ApiProperty({ example: 'bob', description: 'You: whoever publishes an article is its author' }) authorId!: string;
  @ApiProperty({ description: 'Global position of the publication; pass it as `?after=` to read your write', example: '74800000' }) position!: string;
}
