import { BadRequestException, NotFoundException } from '@nestjs/common';
import { WalletAlreadyOpen } from '@zan/domain';
import { PROBLEM_CATALOG } from './openapi';
import { toProblem } from './problem.filter';

/** Header names and acronyms keep their case inside a sentence-case title. */
const NAMES = new Set(['Idempotency-Key', 'JSON']);
const sentenceCase = (title: string): boolean =>
  title.split(' ').every((word, i) => NAMES.has(word) || word === (i === 0 ? word[0]!.toUpperCase() + word.slice(1).toLowerCase() : word.toLowerCase()));

describe('problem titles', () => {
  it('are in sentence case for every problem type Zan answers', () => {
    const titles = Object.values(PROBLEM_CATALOG).map((p) => p.title);
    expect(titles.filter((title) => !sentenceCase(title))).toEqual([]);
    expect(titles).toContain('Not found');
  });

  it.each([
    ['an unknown route', new NotFoundException('Cannot GET /nope'), 404, 'not-found', 'Not found'],
    ['a body that is not JSON', new BadRequestException("Expected property name or '}' in JSON at position 1"), 400, 'bad-request', 'Bad request'],
    ['a body over the limit', Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large' }), 413, 'payload-too-large', 'Payload too large'],
    ['a domain refusal', new WalletAlreadyOpen('bob already has an individual wallet'), 409, 'wallet-already-open', 'Wallet already open'],
  ])('titles %s like the document does', (_case, error, status, code, title) => {
    const { problem } = toProblem(error);
    expect(problem).toMatchObject({ status, type: `https://zan.dev/problems/${code}`, title });
    expect(PROBLEM_CATALOG[code]).toEqual({ status, title });
  });
});
