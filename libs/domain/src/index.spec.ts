import * as domain from './index';

// The api builds on these names; renaming one is a breaking change for it.
describe('@zan/domain public API', () => {
  it('exports each stream as a namespace of initialState, evolve and decide', () => {
    for (const feature of [domain.wallet, domain.redPacket]) {
      expect(typeof feature.decide).toBe('function');
      expect(typeof feature.evolve).toBe('function');
      expect(feature.initialState).toBeDefined();
    }
  });

  it('exports the deciders, helpers and errors by name', () => {
    expect(domain.walletDecider.decide).toBe(domain.wallet.decide);
    expect(domain.redPacketDecider.decide).toBe(domain.redPacket.decide);
    const helpers = [
      domain.drawShare,
      domain.decideSendRedPacket,
      domain.redPacketExpiresAt,
      domain.tipAuthor,
      domain.isEligibleAuthor,
      domain.hasPersonalCard,
      domain.fold,
    ];
    for (const f of helpers) {
      expect(typeof f).toBe('function');
    }
    expect(new domain.InvalidCommand('x')).toBeInstanceOf(domain.DomainError);
    expect(domain.DEFAULT_CONTEXT.limits.tip).toEqual({ min: 500, max: 20_000 });
  });

  it('has one decider per stream: PraiseTip is a wallet command, not a decider of its own', () => {
    expect(domain).not.toHaveProperty('tipDecider');
    expect(domain).not.toHaveProperty('tip');
  });
});
