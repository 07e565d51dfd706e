import { type CommandRequest, commandIdOf } from './command-context';
import { idempotentCommandId } from './ids';

const requestOf = (userId: string, key?: string, hash = 'h1'): CommandRequest =>
  ({
    raw: {
      principal: { userId, roles: [], isAdmin: false },
      ...(key !== undefined && { idempotency: { key, recovering: false }, acceptedKey: { scope: userId, key, hash } }),
    },
  }) as unknown as CommandRequest;

describe('commandIdOf: the command id, computed once per request', () => {
  it('derives it from (user, Idempotency-Key, request hash) once the key is accepted: a retry is the same command, another request under the key another', () => {
    const first = requestOf('alice', 'fund-1');
    const retry = requestOf('alice', 'fund-1');
    expect(commandIdOf(first)).toBe(idempotentCommandId('alice', 'fund-1', 'h1'));
    expect(commandIdOf(retry)).toBe(commandIdOf(first));
    expect(commandIdOf(requestOf('bob', 'fund-1'))).not.toBe(commandIdOf(first));
    expect(commandIdOf(requestOf('alice', 'fund-1', 'h2'))).not.toBe(commandIdOf(first));
    expect(commandIdOf(first)).not.toBe(idempotentCommandId('alice', 'fund-1'));
  });

  it('draws a random one without a key, and answers the same one every time it is asked on a request', () => {
    const request = requestOf('alice');
    const id = commandIdOf(request);
    expect(commandIdOf(request)).toBe(id);
    expect(request.raw.causationId).toBe(id);
    expect(commandIdOf(requestOf('alice'))).not.toBe(id);
  });
});
