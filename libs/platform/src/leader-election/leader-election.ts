import { Logger } from '@nestjs/common';

/**
 * What a singleton does when it becomes the leader and when it stops being one. `onDeposed` runs
 * after `onElected` has finished (never concurrently with it), and at most once per election.
 */
export interface Leadership {
  onElected(): Promise<void> | void;
  /** Stop the work at once: another instance may already be leading. */
  onDeposed(): Promise<void> | void;
}

/** One instance's candidacy for one name. */
export interface Campaign {
  readonly name: string;
  readonly leading: boolean;
  /** Stops campaigning: deposes this instance if it leads (onDeposed runs) and releases the name. */
  resign(): Promise<void>;
}

/**
 * Leader election: of every instance campaigning for a name, at most one leads at a time, and
 * another takes over within seconds once the leader is gone. Used for the singletons of a
 * scaled-out deployment: the relay, the credits process manager, the expiry timers.
 */
export interface LeaderElection {
  /** 'postgres', 'redis' or 'in-process'. */
  readonly kind: string;
  /** Resolves after the first attempt (and, if elected at once, after onElected has finished). */
  campaign(name: string, leadership: Leadership): Promise<Campaign>;
  /** Resigns every campaign and closes the connection. */
  close(): Promise<void>;
}

export const LEADER_ELECTION = Symbol('LEADER_ELECTION');

/**
 * The store that decides who leads: a lock per name that this instance holds or not.
 * `acquire` tries once; `confirm` is called while leading (a heartbeat or a renewal) and answers
 * false once the lock is no longer ours; `lost` reports a loss noticed between calls (a dropped
 * connection loses every lock at once).
 */
export interface LeaderLock {
  acquire(name: string): Promise<boolean>;
  confirm(name: string): Promise<boolean>;
  release(name: string): Promise<void>;
  onLost(listener: (names: readonly string[] | 'all') => void): void;
  close(): Promise<void>;
}

export interface LockElectionOptions {
  /** How often a standby instance tries to take the lock. */
  retryMs: number;
  /** How often the leader confirms (renews) its lock. */
  confirmMs: number;
}

class LockCampaign implements Campaign {
  leading = false;
  resigned = false;
  /** Elections and depositions run one after another, in the order they happened. */
  private transitions: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private standAsideUntil = 0;
  /** Warned once per outage, not every second. */
  private unreachable = false;

  constructor(
    readonly name: string,
    private readonly leadership: Leadership,
    private readonly lock: LeaderLock,
    private readonly options: LockElectionOptions,
    private readonly logger: Logger,
    private readonly forget: (campaign: LockCampaign) => void,
  ) {}

  async start(): Promise<void> {
    await this.tick();
    await this.transitions;
  }

  async resign(): Promise<void> {
    if (this.resigned) return;
    this.resigned = true;
    clearTimeout(this.timer);
    await this.ticking;
    this.depose('resigned');
    await this.transitions;
    await this.lock.release(this.name).catch(() => undefined);
    this.forget(this);
  }

  /** The lock is gone (connection dropped, renewal refused): stop the work now. */
  lost(reason: string): void {
    if (!this.leading) return;
    // The healthy standbys go first: this instance just lost its connection, and is still stopping.
    this.standAsideUntil = Date.now() + this.options.retryMs * 3;
    this.depose(reason);
  }

  private tick(): Promise<void> {
    this.ticking = this.attempt().finally(() => {
      this.ticking = undefined;
      if (this.resigned) return;
      this.timer = setTimeout(() => void this.tick(), this.leading ? this.options.confirmMs : this.options.retryMs);
    });
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    try {
      if (!this.leading) {
        if (Date.now() < this.standAsideUntil) return;
        if (await this.lock.acquire(this.name)) this.elect();
      } else if (!(await this.lock.confirm(this.name))) {
        this.lost('lock lost');
      }
      this.unreachable = false;
    } catch (error) {
      // Cannot tell: a standby stays standby; a leader is deposed by the lock itself (connection lost, lease run out).
      if (!this.unreachable) this.logger.warn(`leader election for ${this.name}: the lock cannot be reached (${String(error)}); retrying`);
      this.unreachable = true;
    }
  }

  private elect(): void {
    if (this.resigned) {
      void this.lock.release(this.name).catch(() => undefined);
      return;
    }
    this.leading = true;
    this.logger.log(`elected leader of ${this.name}`);
    this.transitions = this.transitions.then(async () => {
      try {
        await this.leadership.onElected();
      } catch (error) {
        // The work could not start (e.g. its broker is down): step aside so that another instance, or this one later, tries.
        this.logger.error(`${this.name} could not start as leader, stepping down: ${String(error)}`);
        if (this.leading) {
          this.leading = false;
          try {
            await this.leadership.onDeposed();
          } catch {
            // Already logged as a failed start; the chain of transitions must go on.
          }
          await this.lock.release(this.name).catch(() => undefined);
        }
      }
    });
  }

  private depose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    if (reason !== 'resigned') this.logger.warn(`deposed as leader of ${this.name}: ${reason}`);
    else this.logger.log(`resigned as leader of ${this.name}`);
    this.transitions = this.transitions.then(async () => {
      try {
        await this.leadership.onDeposed();
      } catch (error) {
        this.logger.error(`${this.name} did not stop cleanly when deposed: ${String(error)}`);
      }
    });
  }
}

/** Campaigns over a LeaderLock: standby instances retry, the leader confirms, losses depose at once. */
export class LockLeaderElection implements LeaderElection {
  private readonly campaigns = new Set<LockCampaign>();
  private readonly logger: Logger;

  constructor(
    readonly kind: string,
    private readonly lock: LeaderLock,
    private readonly options: LockElectionOptions,
  ) {
    this.logger = new Logger(`leader-election`);
    lock.onLost((names) => {
      for (const campaign of this.campaigns) {
        if (names === 'all' || names.includes(campaign.name)) campaign.lost(names === 'all' ? 'connection to the lock lost' : 'lock lost');
      }
    });
  }

  async campaign(name: string, leadership: Leadership): Promise<Campaign> {
    const campaign = new LockCampaign(name, leadership, this.lock, this.options, this.logger, (c) => this.campaigns.delete(c));
    this.campaigns.add(campaign);
    await campaign.start();
    return campaign;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.campaigns].map((campaign) => campaign.resign()));
    await this.lock.close();
  }
}

/** One process, no rivals: every campaign leads at once (the embedded deployment, and tests). */
export class InProcessLeaderElection implements LeaderElection {
  readonly kind = 'in-process';
  private readonly campaigns = new Set<Campaign>();

  async campaign(name: string, leadership: Leadership): Promise<Campaign> {
    let leading = true;
    const campaigns = this.campaigns;
    const campaign: Campaign = {
      name,
      get leading() {
        return leading;
      },
      async resign() {
        if (!leading) return;
        leading = false;
        campaigns.delete(campaign);
        await leadership.onDeposed();
      },
    };
    campaigns.add(campaign);
    await leadership.onElected();
    return campaign;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.campaigns].map((campaign) => campaign.resign()));
  }
}
