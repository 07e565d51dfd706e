/** Check digits of Chinese identity numbers (FIELD-NOTES.md). Pure: the local provider's whole decision. */

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK = '10X98765432';

/** The 18th character of a resident ID from its first 17 digits (GB 11643). */
export const residentIdCheckDigit = (first17: string): string => {
  const sum = RESIDENT_WEIGHTS.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return RESIDENT_CHECK[sum % 11]!;
};

/** An 18-character resident ID whose check digit is right (a lower-case x is accepted). */
export const isValidResidentId = (id: string): boolean => /^\d{17}[\dXx]$/.test(id) && residentIdCheckDigit(id.slice(0, 17)) === id[17]!.toUpperCase();

/** 31 characters: 0-9 and A-Z without I, O, Z, S, V. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The 18th character of a unified social credit code from its first 17 (GB 32100). */
export const usccCheckCharacter = (first17: string): string => {
  const sum = USCC_WEIGHTS.reduce((total, weight, i) => total + weight * USCC_CHARSET.indexOf(first17[i]!), 0);
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
};

/** An 18-character unified social credit code in its charset whose check character is right. */
export const isValidUscc = (code: string): boolean =>
  code.length === 18 && [...code].every((c) => USCC_CHARSET.includes(c)) && usccCheckCharacter(code.slice(0, 17)) === code[17];
