import type { DomainEvent, RedPacketSent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireCount, requireId, requireInstant, requirePayable } from '../validation';
import { requireSamePacket, type RedPacket, type RedPacketState } from './red-packet.state';

/** Caused by RedPacketSent on the sender's wallet (a process manager). */
export type EscrowRedPacket = Command<'EscrowRedPacket', { packet: RedPacketSent }>;

const sameTerms = (state: RedPacket, packet: RedPacketSent): boolean =>
  state.senderId === packet.senderId &&
  state.amount === packet.amount &&
  state.shares === packet.shares &&
  state.mode === packet.mode &&
  state.expiresAt === packet.expiresAt;

/**
 * Limits are not applied again: they were checked when the money left the wallet, and the escrow
 * must hold whatever was debited even if the limits changed since. Only the shape is checked.
 */
export const decideEscrowRedPacket = ({ data }: EscrowRedPacket, state: RedPacketState): DomainEvent<'RedPacketEscrowed'>[] => {
  const { packet } = data;
  if (typeof packet !== 'object' || packet === null) throw new InvalidCommand('packet must be a RedPacketSent payload');
  const redPacketId = requireId(packet.redPacketId, 'packet.redPacketId');
  if (state.status !== 'none') {
    requireSamePacket(state, redPacketId);
    // The same id with other terms would be a second debit swallowed silently: surface it instead.
    if (!sameTerms(state, packet)) throw new InvalidCommand(`packet ${redPacketId} was already escrowed with other terms`);
    return [];
  }
  const senderId = requireId(packet.senderId, 'packet.senderId');
  const amount = requirePayable(packet.amount, 'packet.amount');
  const shares = requireCount(packet.shares, 'packet.shares');
  if (shares < 1 || amount < shares) throw new InvalidCommand(`packet ${redPacketId}: ${amount} fen cannot make ${shares} shares of at least 1 fen`);
  const { mode, greeting, recipients, expiresAt } = packet;
  if (mode !== 'lucky' && mode !== 'equal') throw new InvalidCommand('packet.mode must be lucky or equal');
  requireInstant(expiresAt, 'packet.expiresAt');
  if (recipients !== undefined && !Array.isArray(recipients)) throw new InvalidCommand('packet.recipients must be a list');
  return [
    {
      type: 'RedPacketEscrowed',
      data: {
        redPacketId,
        senderId,
        amount,
        shares,
        mode,
        ...(greeting !== undefined && { greeting }),
        ...(recipients !== undefined && { recipients: [...recipients] }),
        expiresAt,
      },
    },
  ];
};
