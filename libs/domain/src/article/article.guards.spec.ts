import { fold } from '../decider';
import { articleDecider } from './article.decider';
import { ArticleNotFound, NotTheArticleAuthor } from './article.errors';
import { published } from './article.fixtures';
import { requireTippableArticle } from './article.guards';

describe('requireTippableArticle (what a tip checks on the article stream)', () => {
  it('answers the published article when the author named is its author', () => {
    expect(requireTippableArticle(fold(articleDecider, [published()]), 'why-zan', 'bob')).toMatchObject({ authorId: 'bob' });
  });

  it('refuses an article nobody published (404)', () => {
    expect(() => requireTippableArticle(articleDecider.initialState, 'why-zan', 'bob')).toThrow(ArticleNotFound);
  });

  it('refuses another author than the one who published it (422)', () => {
    expect(() => requireTippableArticle(fold(articleDecider, [published()]), 'why-zan', 'mallory')).toThrow(NotTheArticleAuthor);
    expect(new NotTheArticleAuthor('').status).toBe(422);
  });
});
