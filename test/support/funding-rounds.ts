import type { INestApplication } from '@nestjs/common';
import { clientFor, fundedUser, type Client } from './http-client';

/**
 * Users who fund their wallets round after round (each round's amount its own), and the check that
 * the read models reached the last position with every balance: for the specs that cut Kafka off
 * while commands go on (commands need no Kafka).
 */
export const fundingRounds = async (app: INestApplication, names: string[]) => {
  const users: Client[] = [];
  for (const name of names) users.push((await fundedUser(app, name, 0)).client);
  const expected = new Map(users.map((u) => [u.userId, 0]));
  let last = 0n;
  const admin = clientFor(app, `${names[0]}-admin`, { roles: ['admin'] });
  return {
    round: async (n: number): Promise<void> => {
      for (const user of users) {
        const amount = 10 + n;
        const response = await user.post('/v1/wallets/me/fundings', { amount, cardId: `card-${user.userId}` }).expect(201);
        expected.set(user.userId, expected.get(user.userId)! + amount);
        if (BigInt(response.body.position) > last) last = BigInt(response.body.position);
      }
    },
    /** Every balance read with ?after= the last position (503 while the read models are behind), within `timeoutMs` each. */
    expectProjected: async (timeoutMs: number, failure: string): Promise<void> => {
      for (const user of users) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const response = await admin.get(`/v1/wallets/${user.userId}?after=${last}`);
          if (response.status === 200) {
            expect(response.body.balance).toBe(expected.get(user.userId));
            break;
          }
          expect(response.status).toBe(503);
          if (Date.now() > deadline) throw new Error(failure);
        }
      }
    },
  };
};
