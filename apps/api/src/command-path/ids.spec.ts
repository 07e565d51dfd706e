import { v5 as uuidv5, validate, version } from 'uuid';
import { ZAN_ID_NAMESPACE, deterministicId, idempotentCommandId, randomId } from './ids';

describe('ids', () => {
  it("deterministicId is the uuid package's v5 of the parts joined by newlines: stored ids stay the same", () => {
    const names = [
      ['command', 'alice', 'fund-1'],
      [''],
      ['red-packet', 'p-1', 'claim', '红包-ü-🧧'],
      ['x'.repeat(1_000)],
      // Around and past the reused buffer's room (2,048 bytes with the namespace's 16), in one- and three-byte characters.
      ...[2_026, 2_027, 2_028, 2_029, 2_032, 2_033, 5_000].map((length) => ['x'.repeat(length)]),
      ...[674, 675, 676, 677, 678, 2_000].map((length) => ['界'.repeat(length)]),
      ['x'.repeat(2_027), '界'],
      ...Array.from({ length: 200 }, (_, i) => ['event', `user-${i}`, `key-${i * 7919}`, String(i % 3)]),
    ];
    for (const parts of names) expect(deterministicId(...parts)).toBe(uuidv5(parts.join('\n'), ZAN_ID_NAMESPACE));
    expect(idempotentCommandId('alice', 'fund-1')).toBe(uuidv5('command\nalice\nfund-1', ZAN_ID_NAMESPACE));
  });

  it('randomId is a fresh v4 uuid each time', () => {
    const id = randomId();
    expect(validate(id) && version(id)).toBe(4);
    expect(randomId()).not.toBe(id);
  });
});
