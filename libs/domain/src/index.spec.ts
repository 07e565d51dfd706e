import * as domain from './index';

// The api builds on these names; renaming one is a breaking change for it.
describe('@zan/domain public API', () => {
  it('exports each feature as a namespace of initialState, evolve and decide', () => {
    for (const feature of [domain.wallet, domain.tip, domain.redPacket]) {
      expect(typeof feature.decide).toBe('function');
      expect(typeof feature.evolve).toBe('function');
      expect(feature.initialState).toBeDefined();
    }
  });

  it('exports the deciders, helpers and errors by name', () => {
    expect(domain.walletDecider.decide).toBe(domain.wallet.decide);
    expect(domain.tipDecider.decide).toBe(domain.tip.decide);
    expect(domain.redPacketDecider.decide).toBe(domain.redPacket.decide);
    expect(domain.tipDecider.evolve).toBe(domain.wallet.evolve);
    for (const f of [domain.drawShare, domain.decideSendRedPacket, domain.redPacketExpiresAt, domain.tipAuthor, domain.hasPersonalCard, domain.fold]) {
      expect(typeof f).toBe('function');
    }
    expect(new domain.InvalidCommand('x')).toBeInstanceOf(domain.DomainError);
    expect(domain.DEFAULT_CONTEXT.limits.tip).toEqual({ min: 500, max: 20_000 });
  });
});
