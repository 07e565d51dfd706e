import { DEFAULT_LIMITS, type MoneyLimits } from '@zan/contracts';
import { MemoryCheckpointStore, MemoryEventStore } from '@zan/event-store';
import {
  InProcessLeaderElection,
  LocalVerificationProvider,
  ZanMetrics,
  type Clock,
  type PersonalDataVault,
  type VaultKeys,
  type ZanConfig,
  type ZanSecrets,
} from '@zan/platform';
import { RequestVerificationHandler } from '../../../apps/api/src/verification/request-verification/request-verification.handler';
import { Verifications } from '../../../apps/api/src/verification/verifications';
import { CommandRunner } from '../../../apps/api/src/command-path/command-runner';
import { WalletStreams } from '../../../apps/api/src/command-path/wallet-streams';
import { CommandMetrics } from '../../../apps/api/src/observability/command-metrics';
import { CreditsProcessManager } from '../../../apps/api/src/process-managers/credits.process-manager';
import { ExpiryScheduler } from '../../../apps/api/src/process-managers/expiry.scheduler';
import { MemoryTimerStore } from '@zan/stores';
import { ClaimRedPacketHandler } from '../../../apps/api/src/red-packets/claim-red-packet/claim-red-packet.handler';
import { SendRedPacketHandler } from '../../../apps/api/src/red-packets/send-red-packet/send-red-packet.handler';
import { RedPacketStreams } from '../../../apps/api/src/command-path/red-packet-streams';
import { ArticleStreams } from '../../../apps/api/src/command-path/article-streams';
import { PublishArticleHandler } from '../../../apps/api/src/articles/publish-article/publish-article.handler';
import { PraiseTipHandler } from '../../../apps/api/src/tips/praise-tip/praise-tip.handler';
import { FundWalletHandler } from '../../../apps/api/src/wallets/fund-wallet/fund-wallet.handler';
import { LinkBankCardHandler } from '../../../apps/api/src/wallets/link-bank-card/link-bank-card.handler';
import { OpenWalletHandler } from '../../../apps/api/src/wallets/open-wallet/open-wallet.handler';
import { WithdrawFundsHandler } from '../../../apps/api/src/wallets/withdraw-funds/withdraw-funds.handler';
import { TransferFundsHandler } from '../../../apps/api/src/transfers/transfer-funds/transfer-funds.handler';
import { PaymentCodeStreams } from '../../../apps/api/src/command-path/payment-code-streams';
import { IssuePaymentCodeHandler } from '../../../apps/api/src/payments/issue-payment-code/issue-payment-code.handler';
import { PayByCodeHandler } from '../../../apps/api/src/payments/pay-by-code/pay-by-code.handler';
import { ProductStreams } from '../../../apps/api/src/command-path/product-streams';
import { GroupBuyStreams } from '../../../apps/api/src/command-path/group-buy-streams';
import { ListProductHandler } from '../../../apps/api/src/products/list-product/list-product.handler';
import { VerifiedNames } from '../../../apps/api/src/verification/verified-names';
import { OpenGroupBuyHandler } from '../../../apps/api/src/group-buys/open-group-buy/open-group-buy.handler';
import { JoinGroupBuyHandler } from '../../../apps/api/src/group-buys/join-group-buy/join-group-buy.handler';
import { OrderSaga } from '../../../apps/api/src/command-path/order-saga';
import { OrderStreams } from '../../../apps/api/src/command-path/order-streams';
import { RefundOrderHandler } from '../../../apps/api/src/orders/refund-order/refund-order.handler';
import { FaultyCheckpointStore, FaultyEventStore, FaultyTimerStore, ProcessIo } from './faults';

/** Packets expire after seconds, not a day: the expiry path runs within a short simulated run. */
export const SIMULATION_LIMITS: MoneyLimits = { ...DEFAULT_LIMITS, redPacket: { ...DEFAULT_LIMITS.redPacket, ttlMs: 4_000 } };

/** The key of unguessable ids (red packets) in every simulated run. */
const SIMULATION_VAULT: PersonalDataVault = { put: async () => undefined, get: async () => undefined, shred: async () => false };
const SIMULATION_VAULT_KEYS: VaultKeys = { masterKey: Buffer.alloc(32, 1), hashKey: Buffer.from('simulation-hash-key') };
export const SIMULATION_SECRETS: ZanSecrets = { jwtSecret: 'simulation', idKey: Buffer.from('simulation-id-key'), source: 'ZAN_JWT_SECRET' };

/** What survives a crash: the event store, the checkpoints and the timers. */
export class DurableWorld {
  readonly events = new MemoryEventStore();
  readonly checkpoints = new MemoryCheckpointStore();
  readonly timers = new MemoryTimerStore();
}

// Metrics are not state the code decides on; one registry serves every run.
let metrics: CommandMetrics | undefined;
const commandMetrics = (): CommandMetrics => (metrics ??= new CommandMetrics(new ZanMetrics()));

/**
 * One life of the api process, built as the api module builds it (the real command runner, command
 * handlers, credits process manager, expiry scheduler and their subscription), with every I/O call
 * through `io`. A crash ends it without any shutdown: nothing is stopped, flushed or saved.
 */
export class SimulatedProcess {
  readonly runner: CommandRunner;
  readonly credits: CreditsProcessManager;
  readonly expiries: ExpiryScheduler;
  readonly handlers;
  private readonly store: FaultyEventStore;

  constructor(
    world: DurableWorld,
    readonly io: ProcessIo,
    clock: Clock,
    random: () => number,
    onCheckpointSaved: (name: string, position: bigint) => Promise<void>,
  ) {
    this.store = new FaultyEventStore(world.events, io);
    const checkpoints = new FaultyCheckpointStore(world.checkpoints, io, onCheckpointSaved);
    const timers = new FaultyTimerStore(world.timers, io);
    this.runner = new CommandRunner(this.store, commandMetrics(), clock);
    const wallets = new WalletStreams(this.runner, { limits: SIMULATION_LIMITS } as ZanConfig);
    const packets = new RedPacketStreams(this.runner);
    const articles = new ArticleStreams(this.runner);
    const codes = new PaymentCodeStreams(this.runner, wallets);
    const products = new ProductStreams(this.runner);
    const groupBuys = new GroupBuyStreams(this.runner, wallets, this.store);
    // The local provider (check digits, at once); the vault is out of this simulation's scope (money).
    const verifications = new Verifications(SIMULATION_VAULT_KEYS);
    const election = new InProcessLeaderElection();
    this.expiries = new ExpiryScheduler(timers, packets, clock, { tickMs: 1000 }, this.store, election, groupBuys);
    // The refund saga's later steps (group orders are refunded through the order routes); nothing here places single orders.
    const orderSaga = new OrderSaga(this.runner, wallets);
    this.credits = new CreditsProcessManager(this.store, checkpoints, wallets, packets, this.expiries, election, orderSaga, codes, groupBuys);
    this.handlers = {
      open: new OpenWalletHandler(wallets),
      verify: new RequestVerificationHandler(wallets, new LocalVerificationProvider(), SIMULATION_VAULT, SIMULATION_VAULT_KEYS),
      link: new LinkBankCardHandler(wallets, verifications),
      fund: new FundWalletHandler(wallets),
      withdraw: new WithdrawFundsHandler(wallets),
      transfer: new TransferFundsHandler(wallets),
      publish: new PublishArticleHandler(articles),
      tip: new PraiseTipHandler(wallets, articles),
      send: new SendRedPacketHandler(wallets, packets, this.expiries, clock, SIMULATION_SECRETS),
      claim: new ClaimRedPacketHandler(packets, clock, random),
      issueCode: new IssuePaymentCodeHandler(codes, wallets, clock, SIMULATION_SECRETS),
      pay: new PayByCodeHandler(codes, wallets),
      listProduct: new ListProductHandler(wallets, products, new VerifiedNames(SIMULATION_VAULT, SIMULATION_VAULT_KEYS, wallets), SIMULATION_SECRETS),
      openGroupBuy: new OpenGroupBuyHandler(wallets, products, groupBuys, this.expiries, clock, SIMULATION_SECRETS),
      joinGroupBuy: new JoinGroupBuyHandler(wallets, groupBuys, clock, SIMULATION_SECRETS),
      refundOrder: new RefundOrderHandler(new OrderStreams(this.runner), wallets, orderSaga, SIMULATION_SECRETS),
    };
  }

  /** Starts the singletons as Nest's bootstrap would; a failure to start is a crash (the process exits). */
  async start(): Promise<void> {
    await this.credits.onApplicationBootstrap();
    await this.expiries.onApplicationBootstrap();
  }

  get alive(): boolean {
    return !this.io.dead;
  }

  /** Dead: detach from the store's signals (its timers are dropped by the virtual clock). */
  bury(): void {
    void this.store.close();
  }
}
