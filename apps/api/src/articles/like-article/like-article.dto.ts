import { ApiProperty } from '@nestjs/swagger';

export class ArticleLikedDoc {
  @ApiProperty({ type: 'integer', description: 'Likes of the article standing now, yours included', example: 42 }) likes!: number;
  @ApiProperty({
    description: 'Global position of the like (of the article’s last event when you liked it already); pass it as `?after=`',
    example: '74800000',
  })
  position!: string;
}
