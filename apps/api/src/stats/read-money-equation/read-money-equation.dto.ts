import { ApiProperty } from '@nestjs/swagger';

export class MoneyEquationDoc {
  @ApiProperty({ type: 'integer', description: 'Sum of every wallet balance, fen', example: 1_468_000 }) balances!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Held by red packets neither exhausted nor expired and by group buys neither completed nor failed, fen',
    example: 4_000,
  })
  held!: number;
  @ApiProperty({ type: 'integer', description: 'Debits whose credit or escrow is not applied yet, fen', example: 0 }) inFlight!: number;
  @ApiProperty({ type: 'integer', description: 'Every funding, fen', example: 1_500_000 }) fundings!: number;
  @ApiProperty({ type: 'integer', description: 'Every withdrawal, fen', example: 28_000 }) withdrawals!: number;
  @ApiProperty({ type: 'integer', description: 'balances + held + inFlight', example: 1_472_000 }) holdings!: number;
  @ApiProperty({ type: 'integer', description: 'fundings - withdrawals', example: 1_472_000 }) netInflow!: number;
  @ApiProperty({ type: 'integer', description: 'holdings - netInflow: must be 0', example: 0 }) difference!: number;
  @ApiProperty({ description: 'The read models stand at this position (every event up to it is counted)', example: '74800000' }) watermark!: string;
}
