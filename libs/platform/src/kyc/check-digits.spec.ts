import fc from 'fast-check';
import { USCC_CHARSET, isValidResidentId, isValidUscc, residentIdCheckDigit, usccCheckCharacter } from './check-digits';

describe('GB 11643 resident ID check digit', () => {
  it('accepts published samples and their lower-case x', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('11010519491231002x')).toBe(true);
    expect(isValidResidentId('440524188001010014')).toBe(true);
  });

  it('refuses a wrong check digit, a wrong length and non-digits', () => {
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(isValidResidentId('11010519491231002')).toBe(false);
    expect(isValidResidentId('11010519491231002X1')).toBe(false);
    expect(isValidResidentId('11010519491231A02X')).toBe(false);
  });

  it('accepts any 17 digits with the computed digit, and no other 18th character', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), fc.constantFrom(...'0123456789X'), (first17, last) => {
        expect(isValidResidentId(first17 + last)).toBe(last === residentIdCheckDigit(first17));
      }),
    );
  });
});

describe('GB 32100 unified social credit code check character', () => {
  it('accepts published samples', () => {
    expect(isValidUscc('91350100M000100Y43')).toBe(true);
    expect(isValidUscc('91110000600037341L')).toBe(true);
  });

  it('refuses a wrong check character, characters outside the charset, and a wrong length', () => {
    expect(isValidUscc('91350100M000100Y44')).toBe(false);
    expect(isValidUscc('91350100M000100I43')).toBe(false);
    expect(isValidUscc('91350100m000100Y43')).toBe(false);
    expect(isValidUscc('91350100M000100Y4')).toBe(false);
  });

  it('accepts any 17 characters of the charset with the computed character, and no other', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...USCC_CHARSET), { minLength: 17, maxLength: 17 }), fc.constantFrom(...USCC_CHARSET), (chars, last) => {
        const first17 = chars.join('');
        expect(isValidUscc(first17 + last)).toBe(last === usccCheckCharacter(first17));
      }),
    );
  });
});
