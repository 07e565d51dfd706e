export interface BankCard {
  /** As the event recorded it at link time (v1: declared by the client); eligibility never reads it. */
  personal: boolean;
  /** Keyed hash of the holder's name (since v1.1); a v1 card has none and is never personal. */
  holderNameHash?: string;
}

/** One log of cards shared by the states of a wallet's fold; a state sees its first `size` entries. */
interface CardLog {
  byId: Map<string, { index: number; card: BankCard }>;
  order: string[];
}

/**
 * The bank cards of a wallet, immutable from the caller's view. Folding a stream links card after
 * card on the newest state: each link appends to the shared log in O(1), so loading a wallet is
 * linear in its events (copying the whole map per BankCardLinked made it quadratic). Linking on an
 * older state (a cached state decided on again) copies what that state sees first, so it never
 * sees a card linked after it.
 */
export class LinkedCards {
  private constructor(
    private readonly log: CardLog,
    readonly size: number,
    /** Personal cards among the first `size`. */
    private readonly personalCount: number,
  ) {}

  static empty(): LinkedCards {
    return new LinkedCards({ byId: new Map(), order: [] }, 0, 0);
  }

  get(cardId: string): BankCard | undefined {
    const entry = this.log.byId.get(cardId);
    return entry && entry.index < this.size ? entry.card : undefined;
  }

  has(cardId: string): boolean {
    return this.get(cardId) !== undefined;
  }

  get hasPersonal(): boolean {
    return this.personalCount > 0;
  }

  /** Whether a card held by the person whose name hashes to `nameHash` is linked. */
  hasHolder(nameHash: string): boolean {
    return this.ids().some((id) => this.get(id)!.holderNameHash === nameHash);
  }

  ids(): string[] {
    return this.log.order.slice(0, this.size);
  }

  /** A new value with `cardId` linked (or re-linked as `card`); this one is unchanged. */
  with(cardId: string, card: BankCard): LinkedCards {
    // The empty value is shared by every wallet (initialState): the first card starts a log of its own.
    const newest = this.size > 0 && this.size === this.log.order.length;
    if (newest && !this.log.byId.has(cardId)) {
      this.log.byId.set(cardId, { index: this.size, card });
      this.log.order.push(cardId);
      return new LinkedCards(this.log, this.size + 1, this.personalCount + (card.personal ? 1 : 0));
    }
    const log: CardLog = { byId: new Map(), order: [] };
    let personal = 0;
    for (const id of [...this.ids(), ...(this.has(cardId) ? [] : [cardId])]) {
      const kept = id === cardId ? card : this.get(id)!;
      log.byId.set(id, { index: log.order.length, card: kept });
      log.order.push(id);
      if (kept.personal) personal++;
    }
    return new LinkedCards(log, log.order.length, personal);
  }
}
