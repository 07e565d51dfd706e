import type { DomainEvent, Fen, MoneyLimits, RedPacketMode } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { InvalidCommand, InvalidRedPacket } from '../errors';
import { optionalText, requireAmountWithin, requireCount, requireId, requireInstant } from '../validation';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';
import { requireWithinLimits } from './limits';

/**
 * Decided on the sender's stream `wallet-<senderId>`: the whole amount leaves the wallet. The packet's
 * own stream starts when a process manager escrows the RedPacketSent (red-packet/escrow-red-packet.ts).
 */
export type SendRedPacket = Command<
  'SendRedPacket',
  {
    redPacketId: string;
    senderId: string;
    amount: Fen;
    shares: number;
    mode: RedPacketMode;
    greeting?: string;
    recipients?: string[];
    expiresAt: string;
  }
>;

/** A recipient list may name up to this many people per allowed share (100 shares: 500, a WeChat group). */
export const RECIPIENTS_PER_MAX_SHARE = 5;

/** expiresAt for a packet sent at `now` (ISO), from the configured time to live. */
export const redPacketExpiresAt = (now: string, limits: MoneyLimits): string => new Date(requireInstant(now, 'now') + limits.redPacket.ttlMs).toISOString();

const MODES: readonly string[] = ['lucky', 'equal'] satisfies RedPacketMode[];

const requireRecipients = (value: unknown, senderId: string, shares: number, limits: MoneyLimits): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidCommand('recipients must be a list of user ids');
  const recipients = value.map((id, i) => requireId(id, `recipients[${i}]`));
  if (recipients.length === 0) throw new InvalidRedPacket('a recipient list must name at least one user (omit it for an open packet)');
  if (new Set(recipients).size !== recipients.length) throw new InvalidRedPacket('recipients must be unique');
  if (recipients.includes(senderId)) throw new InvalidRedPacket('the sender cannot be a recipient of their own packet');
  // Each user claims once, so fewer recipients than shares would leave shares nobody can claim.
  if (recipients.length < shares) throw new InvalidRedPacket(`${shares} shares need at least ${shares} recipients, got ${recipients.length}`);
  const max = limits.redPacket.maxShares * RECIPIENTS_PER_MAX_SHARE;
  if (recipients.length > max) throw new InvalidRedPacket(`at most ${max} recipients, got ${recipients.length}`);
  return recipients;
};

/** Checks: shape, total within limits, shares within limits, >= 1 fen a share, recipients, then balance. */
export const decideSendRedPacket = ({ data }: SendRedPacket, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): DomainEvent<'RedPacketSent'>[] => {
  const { limits } = context;
  const redPacketId = requireId(data.redPacketId, 'redPacketId');
  const senderId = requireId(data.senderId, 'senderId');
  const shares = requireCount(data.shares, 'shares');
  if (!MODES.includes(data.mode)) throw new InvalidCommand(`mode must be lucky or equal`);
  const mode = data.mode;
  const greeting = optionalText(data.greeting, 'greeting');
  requireInstant(data.expiresAt, 'expiresAt');
  requireOwnStream(state, senderId);
  const amount = requireAmountWithin(data.amount, { min: limits.redPacket.minTotal, max: limits.redPacket.maxTotal }, 'a red packet');
  const { minShares, maxShares } = limits.redPacket;
  if (shares < Math.max(1, minShares) || shares > maxShares) {
    throw new InvalidRedPacket(`shares must be between ${Math.max(1, minShares)} and ${maxShares}, got ${shares}`);
  }
  if (amount < shares) throw new InvalidRedPacket(`${amount} fen cannot make ${shares} shares of at least 1 fen`);
  const recipients = requireRecipients(data.recipients, senderId, shares, limits);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [
    {
      type: 'RedPacketSent',
      data: {
        redPacketId,
        senderId,
        amount,
        shares,
        mode,
        ...(greeting !== undefined && { greeting }),
        ...(recipients !== undefined && { recipients }),
        expiresAt: data.expiresAt,
      },
    },
  ];
};
