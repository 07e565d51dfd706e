import { isZanEventType, type DomainEvent, type Fen, type RedPacketClaimed, type RedPacketEscrowed, type RedPacketMode } from '@zan/contracts';
import type { EventLike } from '../decider';
import { InvalidCommand } from '../errors';

export type RedPacketStatus = 'none' | 'open' | 'exhausted' | 'expired';

export interface NoRedPacket {
  status: 'none';
}

/**
 * The state of stream `red-packet-<id>`. remainingAmount/remainingShares are what is left to claim;
 * once expired they are what was refunded (the money has left the packet).
 */
export interface RedPacket {
  status: 'open' | 'exhausted' | 'expired';
  redPacketId: string;
  senderId: string;
  amount: Fen;
  shares: number;
  mode: RedPacketMode;
  greeting?: string;
  /** undefined: anyone may claim (the sender too, as in a WeChat group). */
  recipients?: ReadonlySet<string>;
  expiresAt: string;
  /** userId -> amount, in claim order. */
  claims: ReadonlyMap<string, Fen>;
  remainingAmount: Fen;
  remainingShares: number;
}

export type RedPacketState = NoRedPacket | RedPacket;

/** Every event on a red-packet stream: what the packet's commands emit. */
export type RedPacketEvent = DomainEvent<'RedPacketEscrowed' | 'RedPacketClaimed' | 'RedPacketExpired'>;

export const initialState: RedPacketState = Object.freeze({ status: 'none' });

/** Pure: a new state each time (callers cache states). Amounts come from the events, never redrawn. */
export const evolve = (state: RedPacketState, event: EventLike): RedPacketState => {
  if (!isZanEventType(event.type)) return state;
  switch (event.type) {
    case 'RedPacketEscrowed': {
      if (state.status !== 'none') return state;
      const data = event.data as RedPacketEscrowed;
      return {
        status: 'open',
        redPacketId: data.redPacketId,
        senderId: data.senderId,
        amount: data.amount,
        shares: data.shares,
        mode: data.mode,
        ...(data.greeting !== undefined && { greeting: data.greeting }),
        ...(data.recipients !== undefined && { recipients: new Set(data.recipients) }),
        expiresAt: data.expiresAt,
        claims: new Map(),
        remainingAmount: data.amount,
        remainingShares: data.shares,
      };
    }
    case 'RedPacketClaimed': {
      if (state.status === 'none') return state;
      const data = event.data as RedPacketClaimed;
      const claims = new Map(state.claims);
      claims.set(data.userId, data.amount);
      return {
        ...state,
        status: data.remainingShares === 0 ? 'exhausted' : state.status,
        claims,
        remainingAmount: data.remainingAmount,
        remainingShares: data.remainingShares,
      };
    }
    case 'RedPacketExpired':
      return state.status === 'none' ? state : { ...state, status: 'expired' };
    default:
      return state;
  }
};

/** Guards against a command decided on another packet's stream (a caller bug, not a user error). */
export const requireSamePacket = (state: RedPacket, redPacketId: string): void => {
  if (state.redPacketId !== redPacketId) throw new InvalidCommand(`command for packet ${redPacketId} was decided on packet ${state.redPacketId}`);
};
