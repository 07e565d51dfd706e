import { InvalidCommand } from '../errors';
import { escrowed, packetSent } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { redPacketDecider } from './red-packet.decider';

const given = specFor(redPacketDecider);

describe('EscrowRedPacket', () => {
  it('escrows what the sender’s wallet sent', () => {
    const packet = packetSent({ greeting: 'hi', recipients: ['bob', 'carol', 'dave'] });
    given([])
      .when({ type: 'EscrowRedPacket', data: { packet } })
      .then([{ type: 'RedPacketEscrowed', data: packet }]);
  });

  it('is a no-op when already escrowed', () => {
    given([escrowed()])
      .when({ type: 'EscrowRedPacket', data: { packet: packetSent() } })
      .thenNothing();
  });

  it('refuses the same id with other terms', () => {
    given([escrowed()])
      .when({ type: 'EscrowRedPacket', data: { packet: packetSent({ amount: 999 }) } })
      .thenThrows(InvalidCommand);
  });

  it('refuses a payload that cannot make its shares', () => {
    given([])
      .when({ type: 'EscrowRedPacket', data: { packet: packetSent({ amount: 2, shares: 3 }) } })
      .thenThrows(InvalidCommand);
    given([])
      .when({ type: 'EscrowRedPacket', data: { packet: packetSent({ amount: -1 }) } })
      .thenThrows(InvalidCommand);
  });
});
