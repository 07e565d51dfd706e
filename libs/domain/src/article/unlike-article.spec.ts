import { specFor } from '../testing/given-when-then';
import { articleDecider, type ArticleCommand } from './article.decider';
import { ArticleNotFound } from './article.errors';
import { liked, published, unliked } from './article.fixtures';

const given = specFor(articleDecider);
const unlike = (userId: string): ArticleCommand => ({ type: 'UnlikeArticle', data: { articleId: 'why-zan', userId } });

describe('UnlikeArticle (on article-<articleId>)', () => {
  it('takes the reader’s like back', () => {
    const { state } = given([published(), liked('alice'), liked('carol')])
      .when(unlike('alice'))
      .then([unliked('alice')]);
    expect(state.status === 'published' && [state.likers.size, state.likers.has('alice'), state.likers.has('carol')]).toEqual([1, false, true]);
  });

  it('is a no-op without a like (DELETE is idempotent)', () => {
    given([published()]).when(unlike('alice')).thenNothing();
    given([published(), liked('alice'), unliked('alice')])
      .when(unlike('alice'))
      .thenNothing();
  });

  it('refuses an article nobody published', () => {
    given([]).when(unlike('alice')).thenThrows(ArticleNotFound);
  });
});
