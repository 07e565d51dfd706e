import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { redPacketDecider } from './red-packet.decider';

// Each command has its own spec beside its file; this one covers the dispatch itself.
const given = specFor(redPacketDecider);

describe('red packet decider', () => {
  it('rejects an unknown command', () => {
    given([])
      .when({ type: 'Burn', data: {} } as never)
      .thenThrows(InvalidCommand);
  });
});
