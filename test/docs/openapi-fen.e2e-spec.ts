import request from 'supertest';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

type Schema = Record<string, any>;

/** The only numbers of an answer that are not whole: ratios and averages of the dashboard and the product card. */
const FRACTIONS = new Set([
  'RatingDoc.average',
  'LuckBucketDoc.from',
  'LuckBucketDoc.to',
  'LuckyClaimDoc.luck',
  'ProjectionLagDoc.behindSeconds',
  'ThroughputDoc.perSecond',
]);

/**
 * "Every amount is an integer count of fen (1 yuan = 100 fen), JSON number": the OpenAPI document
 * says so of every answer too. `type: number` lets a generated client read a balance as a float
 * (a double in Java or C#, a `float` in Python's pydantic), which is money rounded. Counts (tips,
 * likes, shares, stock, members, stars) are whole too; only the ratios in FRACTIONS are not.
 */
describe('the OpenAPI document types every amount of fen, and every count, as an integer', () => {
  let zan: RunningZan;
  let document: Schema;

  beforeAll(async () => {
    zan = await startEmbeddedZan();
    document = (await request(zan.app.getHttpServer()).get('/docs/openapi.json').expect(200)).body;
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('in every schema of a body or an answer: a balance, an amount, a total is never a JSON number that may hold a fraction', () => {
    const wrong: string[] = [];
    const walk = (schema: Schema | undefined, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      if ((schema.type === 'number') !== FRACTIONS.has(at) && (schema.type === 'number' || schema.type === 'integer')) wrong.push(`${at}: ${schema.type}`);
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) walk(property, `${at}.${name}`);
      walk(schema.items, `${at}[]`);
    };
    for (const [name, schema] of Object.entries(document.components.schemas as Record<string, Schema>)) walk(schema, name);
    expect(wrong).toEqual([]);
  });
});
