import { Workload } from '../../../../libs/read-models/src/testing/workload';
import { Stats } from './stats';

describe('zan stats: likes and praise per article', () => {
  it('counts likes standing, tips and their sum per article, ranked by praise', () => {
    const workload = new Workload()
      .open('alice')
      .open('bob')
      .linkCard('bob')
      .fund('alice', 10_000)
      .publish('bob', 'art-1')
      .publish('bob', 'art-2')
      .like('art-1', 'alice')
      .like('art-1', 'carol')
      .unlike('art-1', 'carol')
      .like('art-2', 'alice')
      .like('art-2', 'carol')
      .tip('alice', 'bob', 'art-1', 600)
      .tip('alice', 'dave', 'old-article', 900); // a v1 tip to an article never published
    const stats = new Stats();
    for (const event of workload.events) stats.apply(event);
    const result = stats.result();
    expect(result.topArticles).toEqual([
      { articleId: 'old-article', likes: 0, tips: 1, total: 900 },
      { articleId: 'art-1', authorId: 'bob', likes: 1, tips: 1, total: 600 },
      { articleId: 'art-2', authorId: 'bob', likes: 2, tips: 0, total: 0 },
    ]);
    expect(result.byType.ArticleLiked).toEqual({ count: 4, amount: 0 });
    expect(stats.result(1).topArticles).toHaveLength(1);
  });
});

describe('zan stats: payments by code', () => {
  it('counts payments by code per type and per day', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const event = (type: string, data: Record<string, unknown>) =>
      ({ id: type, streamId: 's', revision: 0, position: 1n, type, data, metadata: {}, occurredAt: at }) as never;
    const stats = new Stats();
    stats.apply(event('PaymentCodeIssued', { codeId: 'c', merchantId: 'shop', amount: 800 }));
    stats.apply(event('MerchantPaid', { paymentId: 'p', payerId: 'ann', merchantId: 'shop', codeId: 'c', amount: 800, dynamic: true }));
    stats.apply(event('MerchantPaymentReceived', { paymentId: 'p', payerId: 'ann', merchantId: 'shop', amount: 800 }));
    const result = stats.result();
    expect(result.byDay['2026-03-01']!.merchantPayments).toEqual({ count: 1, amount: 800 });
    expect(result.byType.MerchantPaymentReceived).toEqual({ count: 1, amount: 800 });
    expect(result.byType.PaymentCodeIssued).toEqual({ count: 1, amount: 800 });
  });
});
