import { replicationFor } from './topics';

describe('replicationFor: how a new topic is replicated', () => {
  it('keeps one replica on a single broker', () => {
    expect(replicationFor(1)).toEqual({
      replicationFactor: 1,
      configEntries: [
        { name: 'retention.ms', value: '-1' },
        { name: 'min.insync.replicas', value: '1' },
      ],
    });
  });

  it('asks two of three replicas for a write on a cluster, so one broker may be lost', () => {
    for (const brokers of [3, 5, 12]) {
      expect(replicationFor(brokers).replicationFactor).toBe(3);
      expect(replicationFor(brokers).configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
    }
  });

  it('never asks more replicas than brokers', () => {
    expect(replicationFor(2).replicationFactor).toBe(2);
    expect(replicationFor(2).configEntries).toContainEqual({ name: 'min.insync.replicas', value: '1' });
    expect(replicationFor(0).replicationFactor).toBe(1);
  });
});
