import fc from 'fast-check';
import { freeTextProblem, isUnstorableText } from './text';

describe('free text', () => {
  it('accepts 1..N scalar values without control characters, astral ones counted once', () => {
    for (const text of ['赞!', '恭喜发财 🧧', 'a', 'Ünïcödé ﬁ \u2028', '\ufffd', '🧧'.repeat(200)]) expect(freeTextProblem(text, 200)).toBeUndefined();
  });

  it('refuses controls (C0, DEL, C1), unpaired surrogates and bad lengths, saying which', () => {
    for (const text of ['\u0000', 'a\tb', '\n', '\u001f', '\u007f', '\u0080', '\u009f']) expect(freeTextProblem(text, 200)).toMatch(/control characters/);
    for (const text of ['\ud800', 'x\udbff', '\udc00', 'a\udfffb', '\ude00\ud83d']) expect(freeTextProblem(text, 200)).toMatch(/unpaired surrogate/);
    expect(freeTextProblem('', 200)).toMatch(/1\.\.200 characters/);
    expect(freeTextProblem('x'.repeat(201), 200)).toMatch(/1\.\.200 characters/);
  });

  it('agrees with a code point reading of the rule on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const points = [...text].map((c) => c.codePointAt(0)!);
        const ok = points.length >= 1 && points.length <= 20 && points.every((p) => !(p <= 0x1f || (p >= 0x7f && p <= 0x9f) || (p >= 0xd800 && p <= 0xdfff)));
        expect(freeTextProblem(text, 20) === undefined).toBe(ok);
      }),
    );
  });
});

describe('isUnstorableText', () => {
  it('finds a NUL or an unpaired surrogate, and nothing else', () => {
    expect(['a\u0000', '\ud800', 'x\udc00y'].map(isUnstorableText)).toEqual([true, true, true]);
    expect(['', 'tab\t', '\u007f', '🧧', '\ud83e\udde7'].map(isUnstorableText)).toEqual([false, false, false, false, false]);
  });
});
