import { DomainError } from '@zan/domain';
import { unguessableId } from '@zan/platform';
import type { CommandContext } from '../../../apps/api/src/command-path/command-context';
import { idempotentCommandId } from '../../../apps/api/src/command-path/ids';
import { ClaimRedPacketCommand } from '../../../apps/api/src/red-packets/claim-red-packet/claim-red-packet.handler';
import { SendRedPacketCommand } from '../../../apps/api/src/red-packets/send-red-packet/send-red-packet.handler';
import { PublishArticleCommand } from '../../../apps/api/src/articles/publish-article/publish-article.handler';
import { PraiseTipCommand } from '../../../apps/api/src/tips/praise-tip/praise-tip.handler';
import { FundWalletCommand } from '../../../apps/api/src/wallets/fund-wallet/fund-wallet.handler';
import { LinkBankCardCommand } from '../../../apps/api/src/wallets/link-bank-card/link-bank-card.handler';
import { OpenWalletCommand } from '../../../apps/api/src/wallets/open-wallet/open-wallet.handler';
import { WithdrawFundsCommand } from '../../../apps/api/src/wallets/withdraw-funds/withdraw-funds.handler';
import { TransferFundsCommand } from '../../../apps/api/src/transfers/transfer-funds/transfer-funds.handler';
import { RequestVerificationCommand } from '../../../apps/api/src/verification/request-verification/request-verification.handler';
import { realNameOf, residentIdOf } from '../../support/identity';
import { SIMULATION_SECRETS, type SimulatedProcess } from './simulated-process';

/** One request of a client, with its Idempotency-Key; `at` is when it is first sent. */
export interface Request {
  at: number;
  userId: string;
  key: string;
  describe: string;
  send: (process: SimulatedProcess, context: CommandContext) => Promise<unknown>;
}

export type Answer = 'ok' | 'refused' | 'gave-up';

/** The deterministic command id the api derives from (user, Idempotency-Key). */
export const commandIdOf = (request: Pick<Request, 'userId' | 'key'>): string => idempotentCommandId(request.userId, request.key);

const CARD = 'card-1';

/** Opening, linking a card, a first funding and an article for every user: sent before the others. */
export const setupRequests = (users: string[]): Request[] =>
  users.flatMap((userId): Request[] => [
    { at: 0, userId, key: `open-${userId}`, describe: `open ${userId}`, send: (p, c) => p.handlers.open.execute(new OpenWalletCommand(c, 'individual')) },
    // Verified individuals holding their own card (v1.1: who may be tipped and withdraw is decided from verification).
    {
      at: 0,
      userId,
      key: `verify-${userId}`,
      describe: `verify ${userId}`,
      send: (p, c) =>
        p.handlers.verify.execute(new RequestVerificationCommand(c, { kind: 'individual', name: realNameOf(userId), number: residentIdOf(userId) })),
    },
    {
      at: 0,
      userId,
      key: `link-${userId}`,
      describe: `link ${userId}`,
      send: (p, c) => p.handlers.link.execute(new LinkBankCardCommand(c, CARD, realNameOf(userId))),
    },
    {
      at: 0,
      userId,
      key: `fund-${userId}`,
      describe: `${userId} funds 20000`,
      send: (p, c) => p.handlers.fund.execute(new FundWalletCommand(c, CARD, 20_000)),
    },
    // A tip names a published article of its author (v1.1).
    {
      at: 0,
      userId,
      key: `publish-${userId}`,
      describe: `${userId} publishes`,
      send: (p, c) => p.handlers.publish.execute(new PublishArticleCommand(c, articleOf(userId), 'title')),
    },
  ]);

const articleOf = (authorId: string): string => `article-${authorId}`;

/**
 * A seeded mix of fundings, withdrawals, transfers, tips, red packets and claims, sent at times
 * spread over `spanMs` (some at the same instant), and some sent again with the same key later, as
 * a client retrying after a lost answer would.
 */
export const randomRequests = (random: () => number, users: string[], count: number, spanMs: number): Request[] => {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const other = (userId: string) => pick(users.filter((u) => u !== userId));
  const requests: Request[] = [];
  const packets: string[] = [];
  let at = 0;
  for (let n = 0; n < count; n += 1) {
    at += random() < 0.3 ? 0 : between(1, Math.floor((2 * spanMs) / count));
    const userId = pick(users);
    const key = `r${n}`;
    const kind = pick(['fund', 'fund', 'withdraw', 'transfer', 'transfer', 'tip', 'tip', 'tip', 'send', 'send', 'claim', 'claim', 'claim', 'again']);
    const request = (describe: string, send: Request['send']): Request => ({ at, userId, key, describe: `${userId} ${describe}`, send });
    switch (kind) {
      case 'fund': {
        const amount = between(2_000, 10_000);
        requests.push(request(`funds ${amount}`, (p, c) => p.handlers.fund.execute(new FundWalletCommand(c, CARD, amount))));
        break;
      }
      case 'withdraw': {
        const amount = between(100, 5_000);
        requests.push(request(`withdraws ${amount}`, (p, c) => p.handlers.withdraw.execute(new WithdrawFundsCommand(c, CARD, amount))));
        break;
      }
      case 'transfer': {
        const [to, amount] = [other(userId), between(100, 3_000)];
        requests.push(request(`transfers ${amount} to ${to}`, (p, c) => p.handlers.transfer.execute(new TransferFundsCommand(c, to, amount, undefined))));
        break;
      }
      case 'tip': {
        const [author, amount] = [other(userId), between(500, 2_000)];
        requests.push(
          request(`tips ${author} ${amount}`, (p, c) => p.handlers.tip.execute(new PraiseTipCommand(c, author, articleOf(author), amount, undefined))),
        );
        break;
      }
      case 'send': {
        const [amount, shares, mode] = [between(10, 3_000), between(1, 4), pick(['lucky', 'equal'] as const)];
        packets.push(unguessableId(SIMULATION_SECRETS.idKey, 'red-packet', userId, commandIdOf({ userId, key })));
        requests.push(
          request(`sends a packet of ${amount} in ${shares}`, (p, c) =>
            p.handlers.send.execute(new SendRedPacketCommand(c, amount, shares, mode, undefined, undefined)),
          ),
        );
        break;
      }
      case 'claim': {
        if (packets.length === 0) break;
        const packet = pick(packets);
        requests.push(request(`claims ${packet.slice(0, 8)}`, (p, c) => p.handlers.claim.execute(new ClaimRedPacketCommand(c, packet))));
        break;
      }
      case 'again': {
        if (requests.length === 0) break;
        requests.push({ ...pick(requests), at });
        break;
      }
    }
  }
  return requests;
};

export interface Client {
  /** The process serving requests now (a new one after each crash). */
  process(): SimulatedProcess;
  sleep(ms: number): Promise<void>;
  random: () => number;
  trace(line: string): void;
  /** False: the interceptor as it was before it abandoned keys on a 5xx (it released them). */
  abandonsOnServerError: boolean;
}

const TIMEOUT = Symbol('timeout');
const ATTEMPTS = 12;

/**
 * Sends a request as an HTTP client with an Idempotency-Key would, and as the api's idempotency
 * interceptor answers it: after a timeout (the process died or stalls; its lease runs out) or a 5xx
 * (the interceptor abandons the key), the retry takes the record over and runs `recovering`. A
 * refusal is an answer; so is success.
 */
export const sendWithRetries = async (client: Client, request: Request): Promise<Answer> => {
  const commandId = commandIdOf(request);
  let recovering = false;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const context: CommandContext = {
      userId: request.userId,
      correlationId: commandId,
      commandId,
      idempotency: { key: request.key, recovering },
    };
    const answer = await Promise.race([
      request.send(client.process(), context).then(
        () => 'ok' as const,
        (error: unknown) => error,
      ),
      client.sleep(5_000).then(() => TIMEOUT),
    ]);
    if (answer === 'ok') {
      client.trace(`${request.describe}: ok`);
      return 'ok';
    }
    if (answer instanceof DomainError) {
      client.trace(`${request.describe}: refused (${answer.code})`);
      return 'refused';
    }
    recovering = answer === TIMEOUT || client.abandonsOnServerError;
    client.trace(`${request.describe}: ${answer === TIMEOUT ? 'timed out' : `failed (${String(answer)})`}, attempt ${attempt}`);
    await client.sleep(50 * attempt + Math.floor(client.random() * 200));
  }
  return 'gave-up';
};
