import type { ValueProvider } from '@nestjs/common';
import { RANDOM, type RandomSource } from './clock';
import { PlatformModule } from './platform.module';
import { loadConfig } from './zan.config';

describe('PlatformModule', () => {
  // The one draw it serves is a lucky share. V8's Math.random (xorshift128+) can be solved from a few
  // of its outputs, so a claimer who saw their shares could tell the next draw and claim only a big one.
  it('draws randomness from the operating system by default, not from Math.random', () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const providers = PlatformModule.forRoot({ config: loadConfig({ NODE_ENV: 'test' }) }).providers ?? [];
      const source = (providers.find((p) => typeof p === 'object' && 'provide' in p && p.provide === RANDOM) as ValueProvider<RandomSource>).useValue;
      const draws = Array.from({ length: 64 }, () => source());
      expect(random).not.toHaveBeenCalled();
      expect(new Set(draws).size).toBe(64);
      for (const draw of draws) expect(draw >= 0 && draw < 1).toBe(true);
    } finally {
      random.mockRestore();
    }
  });

  it('keeps a source it is given (tests and the simulation repeat a run with a seed)', () => {
    const seeded: RandomSource = () => 0.25;
    const providers = PlatformModule.forRoot({ config: loadConfig({ NODE_ENV: 'test' }), random: seeded }).providers ?? [];
    expect(providers).toContainEqual({ provide: RANDOM, useValue: seeded });
  });
});
