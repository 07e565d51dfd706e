import { ApiProperty } from '@nestjs/swagger';

export class GroupBuyJoinedDoc {
  @ApiProperty({ type: 'integer', example: 2, description: 'Members so far, you included' }) joined!: number;
  @ApiProperty({ type: 'integer', example: 3 }) groupSize!: number;
  @ApiProperty({ enum: ['open', 'completed'], description: 'completed: you filled the group; every member’s order is paid to the merchant' }) status!:
    'open' | 'completed';
  @ApiProperty({ description: 'Global position of your join', example: '74800000' }) position!: string;
}
