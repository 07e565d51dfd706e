import { Workload } from '../../../../libs/read-models/src/testing/workload';
import { Stats } from './stats';

describe('zan stats: likes and praise per article', () => {
  it('counts likes standing, tips and their sum per article, ranked by praise', () => {
    const workload = new Workload()
      .open('alice').open('bob').linkCard('bob').fund('alice', 10_000)
      .publish('bob', 'art-1').publish('bob', 'art-2')
      .like('art-1', 'alice').like('art-1', 'carol').unlike('art-1', 'carol')
      .like('art-2', 'alice').like('art-2', 'carol')
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
