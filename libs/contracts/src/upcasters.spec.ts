import { EVENT_CATALOG, EVENT_TYPES } from './events';
import { UPCASTERS, currentVersion, upcast, type Upcaster } from './upcasters';

describe('upcasters', () => {
  it('has one step for every old version of every event type, and none beyond', () => {
    const expected = EVENT_TYPES.flatMap((type) => Array.from({ length: EVENT_CATALOG[type].version - 1 }, (_, i) => `${type} v${i + 1}`));
    expect(UPCASTERS.map((u) => `${u.type} v${u.fromVersion}`).sort()).toEqual(expected.sort());
  });

  it('turns a stored WalletFunded v1 into v2: the card becomes the funding source', () => {
    const stored = { userId: 'u1', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 };
    expect(upcast('WalletFunded', 1, stored)).toEqual({
      version: 2,
      data: { userId: 'u1', fundingId: 'f-1', amount: 50_000, source: { kind: 'card', cardId: 'icbc-6222' } },
    });
    expect(stored).toEqual({ userId: 'u1', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 });
  });

  it('leaves a current payload, and a type it does not know, as they are', () => {
    const v2 = { userId: 'u1', fundingId: 'f', amount: 1, source: { kind: 'card', cardId: 'c' } };
    expect(upcast('WalletFunded', currentVersion('WalletFunded'), v2)).toEqual({ version: 2, data: v2 });
    expect(upcast('SomethingElse', 1, { a: 1 })).toEqual({ version: 1, data: { a: 1 } });
  });

  it('runs the chain it is given, and names a missing step', () => {
    const chain: Upcaster[] = [{ type: 'WalletFunded', fromVersion: 1, upcast: (d) => ({ ...(d as object), step: 'one' }) }];
    expect(upcast('WalletFunded', 1, {}, chain)).toEqual({ version: 2, data: { step: 'one' } });
    expect(() => upcast('WalletFunded', 1, {}, [])).toThrow('no upcaster for WalletFunded v1');
  });

  it("masks ProductListed v1's company name (v2 stores it masked), and leaves a merchant's id as it is", () => {
    const v1 = { productId: 'p1', merchantId: 'shop', merchantName: '赞咖啡有限公司', title: '拿铁', price: 1500, stock: null };
    expect(upcast('ProductListed', 1, v1)).toEqual({ version: 2, data: { ...v1, merchantName: '赞******' } });
    expect(upcast('ProductListed', 1, { ...v1, merchantName: 'shop' }).data).toEqual({ ...v1, merchantName: 'shop' });
    const v2 = { ...v1, merchantName: '赞******' };
    expect(upcast('ProductListed', 2, v2)).toEqual({ version: 2, data: v2 });
  });
});
