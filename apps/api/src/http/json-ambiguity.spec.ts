import fc from 'fast-check';
import { jsonAmbiguity } from './json-ambiguity';

const scan = (text: string) => jsonAmbiguity(Buffer.from(text));

describe('jsonAmbiguity', () => {
  it('passes plain JSON: integers, text that looks like numbers, literals, nesting', () => {
    expect(scan('{"amount":600,"toUserId":"bob","note":"1.5e3 \\" 6e2"}')).toBeUndefined();
    expect(scan('{"a":true,"b":false,"c":null,"d":-12,"e":[1,2,{"f":0}],"g":{"a":1}}')).toBeUndefined();
    expect(scan('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(scan('{"recipients":["a","b"],"x":{"recipients":1}}')).toBeUndefined();
  });

  it('names a number written with a fraction or an exponent', () => {
    for (const literal of ['1.0', '1.0000000000000001', '6e2', '6E2', '6e+2', '6e-2', '-0.0', '0.5']) {
      expect(scan(`{"toUserId":"bob","amount":${literal}}`)).toEqual({ field: 'amount', message: expect.stringContaining('integer') });
    }
    expect(scan('{"r":[1,2.5]}')?.field).toBe('r[1]');
    expect(scan('{"a":{"b":1e3}}')?.field).toBe('a.b');
  });

  it('names a key given twice in one object, however it is spelled, and not across objects', () => {
    expect(scan('{"amount":-5,"amount":100}')).toEqual({ field: 'amount', message: 'amount is given more than once' });
    expect(scan('{"amount":1,"\\u0061mount":1}')?.field).toBe('amount');
    expect(scan('{"a":{"b":1,"b":2}}')?.field).toBe('a.b');
    expect(scan('{"a":{"b":1},"b":2}')).toBeUndefined();
  });

  it('names keys that reach the prototype, at any depth', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', '\\u005f_proto__']) {
      expect(scan(`{"amount":1,"${key}":{"x":1}}`)).toEqual({ field: JSON.parse(`"${key}"`), message: 'unknown field' });
    }
    expect(scan('{"recipients":[{"__proto__":1}]}')?.field).toBe('recipients[0].__proto__');
  });

  it('agrees with JSON.parse on any JSON without duplicate keys: flags exactly the non-integer numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const hasNonInteger = (v: unknown): boolean =>
          typeof v === 'number'
            ? !/^-?\d+$/.test(JSON.stringify(v))
            : Array.isArray(v)
              ? v.some(hasNonInteger)
              : v !== null && typeof v === 'object'
                ? Object.entries(v).some(([k, x]) => ['__proto__', 'constructor', 'prototype'].includes(k) || hasNonInteger(x))
                : false;
        expect(scan(text) !== undefined).toBe(hasNonInteger(value));
      }),
      { numRuns: 500 },
    );
  });
});
