import { DEFAULT_LIMITS } from '@zan/contracts';
import { fold } from '../decider';
import { AmountOutOfRange, AuthorNotEligible, InsufficientFunds, InvalidCommand, SelfPayment } from '../errors';
import { cardLinked, walletOpened, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { decidePraiseTip, isEligibleAuthor, tipAuthor, type PraiseTip, type TipAuthor } from './praise-tip';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);
const eligible: TipAuthor = { exists: true, kind: 'individual', hasPersonalCard: true };

const praise = (data: Partial<PraiseTip['data']> = {}): PraiseTip => ({
  type: 'PraiseTip',
  data: { tipId: 'tip-1', readerId: 'reader', authorId: 'author', articleId: 'a-1', amount: 500, author: eligible, ...data },
});

const tipPraised = (data: Partial<PraiseTip['data']> = {}) => ({
  type: 'TipPraised' as const,
  data: { tipId: 'tip-1', readerId: 'reader', authorId: 'author', articleId: 'a-1', amount: 500, ...data },
});

describe('PraiseTip (on the reader’s wallet)', () => {
  it('debits the reader', () => {
    const { state } = given(walletWith('reader', 800)).when(praise()).then([tipPraised()]);
    expect(state.balance).toBe(300);
  });

  it('keeps the message', () => {
    given(walletWith('reader', 800)).when(praise({ message: '赞!' })).then([tipPraised({ message: '赞!' })]);
  });

  it('is decided by the wallet decider, which owns the stream', () => {
    expect(walletDecider.decide(praise(), fold(walletDecider, walletWith('reader', 800)))).toEqual([tipPraised()]);
    expect(decidePraiseTip(praise(), fold(walletDecider, walletWith('reader', 800)))).toEqual([tipPraised()]);
  });

  it('rejects tipping yourself', () => {
    given(walletWith('reader', 800)).when(praise({ authorId: 'reader' })).thenThrows(SelfPayment);
  });

  it('accepts the limits themselves and rejects amounts outside them', () => {
    given(walletWith('reader', 50_000)).when(praise({ amount: DEFAULT_LIMITS.tip.max })).then([tipPraised({ amount: 20_000 })]);
    given(walletWith('reader', 50_000)).when(praise({ amount: DEFAULT_LIMITS.tip.min - 1 })).thenThrows(AmountOutOfRange);
    given(walletWith('reader', 50_000)).when(praise({ amount: DEFAULT_LIMITS.tip.max + 1 })).thenThrows(AmountOutOfRange);
  });

  it('rejects a malformed amount', () => {
    given(walletWith('reader', 50_000)).when(praise({ amount: 500.5 })).thenThrows(InvalidCommand);
  });

  it('calls an author eligible exactly when the decider accepts them (the api caches eligible authors)', () => {
    for (const exists of [true, false])
      for (const kind of ['individual', 'business', undefined] as const)
        for (const hasPersonalCard of [true, false]) {
          const author: TipAuthor = { exists, kind, hasPersonalCard };
          const accepted = (() => {
            try {
              walletDecider.decide(praise({ author }), fold(walletDecider, walletWith('reader', 800)));
              return true;
            } catch (error) {
              if (!(error instanceof AuthorNotEligible)) throw error;
              return false;
            }
          })();
          expect({ author, eligible: isEligibleAuthor(author) }).toEqual({ author, eligible: accepted });
        }
  });

  it('rejects an author without a wallet', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: false, hasPersonalCard: false } }))
      .thenThrows(AuthorNotEligible, /no wallet/);
  });

  it('rejects a business author', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: true, kind: 'business', hasPersonalCard: true } }))
      .thenThrows(AuthorNotEligible, /business/);
  });

  it('rejects an author without a personal card', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: true, kind: 'individual', hasPersonalCard: false } }))
      .thenThrows(AuthorNotEligible, /personal bank card/);
  });

  it('rejects more than the balance, and a missing reader wallet has none', () => {
    given(walletWith('reader', 500)).when(praise({ amount: 501 })).thenThrows(InsufficientFunds);
    given([]).when(praise()).thenThrows(InsufficientFunds);
  });

  it('reads eligibility from the author’s wallet', () => {
    expect(tipAuthor(fold(walletDecider, []))).toEqual({ exists: false, kind: undefined, hasPersonalCard: false });
    expect(tipAuthor(fold(walletDecider, [walletOpened('author'), cardLinked('author', 'c1', false)]))).toEqual({
      exists: true,
      kind: 'individual',
      hasPersonalCard: false,
    });
    expect(tipAuthor(fold(walletDecider, [walletOpened('author'), cardLinked('author', 'c1', false), cardLinked('author', 'c2', true)])).hasPersonalCard).toBe(true);
  });
});
