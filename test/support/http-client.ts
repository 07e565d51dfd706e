import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ownCardOf, verificationBodyOf } from './identity';
import { TEST_JWT_SECRET, tokenFor } from './tokens';

type Target = INestApplication | string;
const server = (target: Target) => (typeof target === 'string' ? target : target.getHttpServer());

/** A user of the HTTP api, as a client app would be: a bearer token and idempotency keys. */
export const clientFor = (target: Target, userId: string, options: { roles?: string[]; secret?: string } = {}) => {
  const token = tokenFor(userId, options.secret ?? TEST_JWT_SECRET, { roles: options.roles });
  let keys = 0;
  const nextKey = () => `${userId}-${Date.now().toString(36)}-${++keys}`;
  return {
    userId,
    token,
    get: (path: string) => request(server(target)).get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body?: object, idempotencyKey: string | null = nextKey()) => {
      const req = request(server(target)).post(path).set('Authorization', `Bearer ${token}`);
      if (idempotencyKey !== null) req.set('Idempotency-Key', idempotencyKey);
      return body === undefined ? req : req.send(body);
    },
    delete: (path: string) => request(server(target)).delete(path).set('Authorization', `Bearer ${token}`),
  };
};

export type Client = ReturnType<typeof clientFor>;

/**
 * Verifies the client's wallet with the local provider (a valid made-up identity); an individual's
 * card linked after with ownCardOf is personal, so they may be tipped.
 */
export const verify = async (client: Client, kind: 'individual' | 'business' = 'individual') => {
  const verified = await client.post('/v1/wallets/me/verification', verificationBodyOf(client.userId, kind)).expect(201);
  if (verified.body.status !== 'verified') throw new Error(`verification of ${client.userId} answered ${JSON.stringify(verified.body)}`);
  return verified;
};

/** Opens a wallet, verifies it, links the owner's card (personal for an individual) and funds it: the start of most scenarios. */
export const fundedUser = async (target: Target, userId: string, amount: number, kind: 'individual' | 'business' = 'individual') => {
  const client = clientFor(target, userId);
  await client.post('/v1/wallets', { kind }).expect(201);
  await verify(client, kind);
  await client.post('/v1/wallets/me/cards', ownCardOf(userId)).expect(201);
  let position = '0';
  if (amount > 0) {
    const funded = await client.post('/v1/wallets/me/fundings', { amount, cardId: `card-${userId}` }).expect(201);
    position = funded.body.position;
  }
  return { client, position };
};

/** Publishes an article as its author: tips name a published article and its author (v1.1). */
export const publishArticle = async (target: Target, authorId: string, articleId: string, title = `Article ${articleId}`) => {
  const published = await clientFor(target, authorId).post('/v1/articles', { articleId, title }, null);
  if (published.status !== 201 && published.status !== 200)
    throw new Error(`publishing ${articleId} as ${authorId}: ${published.status} ${JSON.stringify(published.body)}`);
  return published.body as { articleId: string; authorId: string; position: string };
};
