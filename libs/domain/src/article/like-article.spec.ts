import { specFor } from '../testing/given-when-then';
import { articleDecider, type ArticleCommand } from './article.decider';
import { ArticleNotFound } from './article.errors';
import { liked, published, unliked } from './article.fixtures';

const given = specFor(articleDecider);
const like = (userId: string, articleId = 'why-zan'): ArticleCommand => ({ type: 'LikeArticle', data: { articleId, userId } });

describe('LikeArticle (on article-<articleId>)', () => {
  it('records a reader’s like', () => {
    const { state } = given([published()])
      .when(like('alice'))
      .then([liked('alice')]);
    expect(state.status === 'published' && [state.likers.size, state.likers.has('alice')]).toEqual([1, true]);
  });

  it('is once per reader: liking again is a no-op', () => {
    given([published(), liked('alice')])
      .when(like('alice'))
      .thenNothing();
  });

  it('likes again after an unlike', () => {
    given([published(), liked('alice'), unliked('alice')])
      .when(like('alice'))
      .then([liked('alice')]);
  });

  it('lets the author like their own article', () => {
    given([published()])
      .when(like('bob'))
      .then([liked('bob')]);
  });

  it('refuses an article nobody published', () => {
    given([])
      .when(like('alice'))
      .thenThrows(ArticleNotFound, /no article why-zan/);
  });
});
