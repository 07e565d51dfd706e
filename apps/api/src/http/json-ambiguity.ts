import { badRequest } from './validation';

/** Keys that JSON.parse keeps as own properties but object copies (class-transformer, spreads) treat as the prototype. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonAmbiguity {
  field: string;
  message: string;
}

interface Frame {
  /** Keys seen so far in an object; undefined for an array. */
  keys?: Set<string>;
  /** The field path of this container, for messages. */
  path: string;
  /** The key waiting for its value (objects) or the index of the next item (arrays). */
  key: string;
  index: number;
  expectKey: boolean;
}

const isNumberByte = (byte: number): boolean =>
  (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45 || byte === 0x65;

const childPath = (frame: Frame | undefined): string => {
  if (!frame) return '';
  if (frame.keys) return frame.path ? `${frame.path}.${frame.key}` : frame.key;
  return `${frame.path}[${frame.index}]`;
};

/**
 * The first thing in a JSON body that JSON.parse would read differently from what was written, or
 * undefined: a number with a fraction or an exponent (every number Zan takes is an integer, and
 * `1.0000000000000001` parses to 1: money silently rounded), a key given twice in one object (the
 * last wins, so `{"amount":-5,"amount":100}` passes a check that reads the first), and a key that
 * reaches the prototype once the body is copied (__proto__, constructor, prototype). Read byte by
 * byte before parsing; a body that is not JSON at all is left to the parser.
 */
export const jsonAmbiguity = (raw: Buffer): JsonAmbiguity | undefined => {
  const stack: Frame[] = [];
  const top = () => stack[stack.length - 1];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x22) {
      const start = i;
      for (i++; i < raw.length && raw[i] !== 0x22; i++) if (raw[i] === 0x5c) i++;
      const frame = top();
      if (frame?.keys && frame.expectKey) {
        let key: string;
        try {
          key = JSON.parse(raw.toString('utf8', start, i + 1)) as string;
        } catch {
          return undefined;
        }
        const field = frame.path ? `${frame.path}.${key}` : key;
        if (PROTOTYPE_KEYS.has(key)) return { field, message: 'unknown field' };
        if (frame.keys.has(key)) return { field, message: `${key} is given more than once` };
        frame.keys.add(key);
        frame.key = key;
        frame.expectKey = false;
      }
    } else if (byte === 0x7b || byte === 0x5b) {
      stack.push({ keys: byte === 0x7b ? new Set() : undefined, path: childPath(top()), key: '', index: 0, expectKey: byte === 0x7b });
    } else if (byte === 0x7d || byte === 0x5d) {
      stack.pop();
    } else if (byte === 0x2c) {
      const frame = top();
      if (frame?.keys) frame.expectKey = true;
      else if (frame) frame.index++;
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      const start = i;
      while (i + 1 < raw.length && isNumberByte(raw[i + 1]!)) i++;
      const literal = raw.toString('latin1', start, i + 1);
      if (/[.eE]/.test(literal)) {
        const field = childPath(top()) || 'body';
        return { field, message: `${field} must be written as a JSON integer (digits only, no fraction or exponent), got ${literal.slice(0, 40)}` };
      }
    }
  }
  return undefined;
};

// ignoreBOM: a byte order mark stays in the text, as Buffer#toString leaves it (the caller drops one first).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * An ambiguous body is a 400 validation problem naming the field. So is a body that is not UTF-8
 * (the parser would read each bad byte as U+FFFD, and store it so). Returns the body's text, decoded
 * once here for the parser too.
 */
export const refuseAmbiguousJson = (raw: Buffer): string => {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw badRequest('body', 'the request body is not valid UTF-8');
  }
  const ambiguity = jsonAmbiguity(raw);
  if (ambiguity) throw badRequest(ambiguity.field, ambiguity.message);
  return text;
};
