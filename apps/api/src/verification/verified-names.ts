import { Inject, Injectable } from '@nestjs/common';
import type { WalletState } from '@zan/domain';
import { PERSONAL_DATA_VAULT, ZAN_VAULT_KEYS, keyedHash, maskName, type PersonalDataVault, type VaultKeys } from '@zan/platform';
import { WalletStreams } from '../command-path/wallet-streams';

/**
 * How long a name read from the vault answers cards before it is read again (another replica may
 * have shredded it). Only names are kept: a merchant without one is asked again each time.
 */
const NAME_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * A business's company name, in clear only while the personal data vault holds it and it is the
 * identity the wallet's verification hashed. Events and read models carry it masked (ProductListed
 * v2); a product card shows it in clear through here, and masked once the vault's key is destroyed.
 */
@Injectable()
export class VerifiedNames {
  private readonly cached = new Map<string, { name: string; until: number }>();

  constructor(
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    @Inject(ZAN_VAULT_KEYS) private readonly keys: VaultKeys,
    private readonly wallets: WalletStreams,
  ) {}

  /**
   * The company name the wallet's verification hashed and accepted, if the vault still holds it. A
   * record that is not that identity (a claim refused after it reached the vault: two requests racing)
   * never counts, nor one still pending or rejected (a rejected merchant asking again under any name).
   */
  async businessName(wallet: WalletState, merchantId: string): Promise<string | undefined> {
    if (wallet.verification?.status !== 'verified') return undefined;
    const data = await this.vault.get(merchantId).catch(() => undefined);
    const verified = data?.kind === 'business' && wallet.verification.nameHash === keyedHash(this.keys.hashKey, 'name', data.name);
    return verified ? data.name : undefined;
  }

  /**
   * A card's `merchantName` as readers see it: the verified company name, else the stored one masked
   * (an id stays as it is). A query answers from the read models even while the event store or the
   * vault cannot be reached: then the masked form (or a name read before) is the answer.
   */
  async shown(merchantId: string, stored: string): Promise<string> {
    const name = await this.nameOf(merchantId).catch(() => this.cached.get(merchantId)?.name);
    if (name !== undefined) return name;
    return stored === merchantId ? stored : maskName(stored);
  }

  /** After shredding: this replica shows the masked form at once (others within NAME_TTL_MS). */
  forget(merchantId: string): void {
    this.cached.delete(merchantId);
  }

  private async nameOf(merchantId: string): Promise<string | undefined> {
    const hit = this.cached.get(merchantId);
    if (hit && hit.until > performance.now()) return hit.name;
    const name = await this.businessName((await this.wallets.load(merchantId)).state, merchantId);
    if (name === undefined) return undefined;
    if (this.cached.size >= MAX_CACHED) this.cached.clear();
    this.cached.set(merchantId, { name, until: performance.now() + NAME_TTL_MS });
    return name;
  }
}
