import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { articleDecider, type ArticleCommand } from './article.decider';
import { ArticleIdTaken } from './article.errors';
import { published } from './article.fixtures';

const given = specFor(articleDecider);
const publish = (authorId = 'bob', title: unknown = '为什么是赞', articleId = 'why-zan'): ArticleCommand =>
  ({ type: 'PublishArticle', data: { articleId, authorId, title } }) as ArticleCommand;

describe('PublishArticle (on article-<articleId>)', () => {
  it('publishes a new article, the caller its author', () => {
    const { state } = given([]).when(publish()).then([published()]);
    expect(state).toMatchObject({ status: 'published', authorId: 'bob', title: '为什么是赞' });
  });

  it('is a no-op when its author publishes it again, even with another title', () => {
    const { state } = given([published()]).when(publish('bob', 'another title')).thenNothing();
    expect(state).toMatchObject({ title: '为什么是赞' });
  });

  it('refuses another author the same id, for good', () => {
    given([published()])
      .when(publish('mallory'))
      .thenThrows(ArticleIdTaken, /another author/);
    expect(new ArticleIdTaken('').final).toBe(true);
  });

  it.each([[''], ['a\u0007bell'], ['x'.repeat(65)], [42], ['\uD800']])('refuses the title %j as malformed', (title) => {
    given([]).when(publish('bob', title)).thenThrows(InvalidCommand, /title/);
  });

  it('accepts a title of 64 characters, counted as Unicode scalar values', () => {
    given([])
      .when(publish('bob', '赞'.repeat(63) + '😀'))
      .then([published('bob', 'why-zan', '赞'.repeat(63) + '😀')]);
  });

  it('refuses a command decided on another article’s stream', () => {
    given([published()])
      .when(publish('bob', 't', 'other'))
      .thenThrows(InvalidCommand, /decided on article why-zan/);
  });
});
