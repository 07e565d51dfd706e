import { ID_PATTERN } from './validation';

/**
 * OpenAPI property docs shared by the use cases' bodies and answers. Amounts are integer fen;
 * positions are decimal strings (they may exceed 2^53); limits are the configurable defaults.
 */
export const ID = { pattern: ID_PATTERN.source, maxLength: 128 };
export const freeText = (maxLength: number) => ({
  minLength: 1,
  maxLength,
  description: `free text: 1..${maxLength} Unicode characters, no control characters`,
});
export const FEN = {
  type: 'integer',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'in fen (1 yuan = 100 fen): a JSON integer, never a string',
} as const;

export const POSITION = { description: 'Global position of the last event of this command; pass it as `?after=` to read your write', example: '74800000' };
export const BALANCE = { type: 'integer', description: 'Balance of your wallet after the command, in fen', example: 49_112 } as const;
export const UUID_EXAMPLE = 'e0b5e7a4-2b1c-5d8f-9c61-3f2a8d6c4b10';
