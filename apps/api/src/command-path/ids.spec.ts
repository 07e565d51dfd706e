import { v5 as uuidv5, validate, version } from 'uuid';
import { ZAN_ID_NAMESPACE, deterministicId, idempotentCommandId, randomId } from './ids';

describe('ids', () => {
  it("deterministicId is the uuid package's v5 of the parts joined by newlines: stored ids stay the same", () => {
    const names = [
      ['command', 'alice', 'fund-1'],
      [''],
      ['red-packet', 'p-1', 'claim', '红包-ü-🧧'],
      ['x'.repeat(1_000)],
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
