import { fold } from '../decider';
import { claimed, escrowed } from '../testing/fixtures';
import { redPacketDecider } from './red-packet.decider';
import { initialState, type RedPacket } from './red-packet.state';

describe('red packet evolve', () => {
  it('never mutates the state it is given', () => {
    const open = fold(redPacketDecider, [escrowed()]);
    redPacketDecider.evolve(open, claimed('bob', 1, 999, 2));
    expect(initialState).toEqual({ status: 'none' });
    expect(open).toMatchObject({ status: 'open', remainingAmount: 1000, remainingShares: 3 });
    expect((open as RedPacket).claims.size).toBe(0);
  });
});
