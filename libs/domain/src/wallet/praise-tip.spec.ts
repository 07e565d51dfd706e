import { DEFAULT_LIMITS } from '@zan/contracts';
import { fold } from '../decider';
import { AmountOutOfRange, AuthorNotEligible, InsufficientFunds, InvalidCommand, SelfPayment } from '../errors';
import { OTHER_NAME_HASH, cardLinked, verificationRequested, walletOpened, walletVerified, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { decidePraiseTip, isEligibleAuthor, tipAuthor, type PraiseTip, type TipAuthor } from './praise-tip';
import { walletDecider } from './wallet.decider';

const given = specFor(walletDecider);
const eligible: TipAuthor = { exists: true, kind: 'individual', verified: true, hasPersonalCard: true };

const praise = (data: Partial<PraiseTip['data']> = {}): PraiseTip => ({
  type: 'PraiseTip',
  data: { tipId: 'tip-1', readerId: 'reader', authorId: 'author', articleId: 'a-1', amount: 500, author: eligible, ...data },
});

const tipPraised = (data: Partial<PraiseTip['data']> = {}) => ({
  type: 'TipPraised' as const,
  data: { tipId: 'tip-1', readerId: 'reader', authorId: 'author', articleId: 'a-1', amount: 500, ...data },
});

// One detail whatever the author lacks: that is not the reader's to learn.
const NOT_ELIGIBLE = /^author author cannot be tipped: only a verified individual with a personal bank card linked can be$/;

describe('PraiseTip (on the reader’s wallet)', () => {
  it('debits the reader', () => {
    const { state } = given(walletWith('reader', 800)).when(praise()).then([tipPraised()]);
    expect(state.balance).toBe(300);
  });

  it('keeps the message', () => {
    given(walletWith('reader', 800))
      .when(praise({ message: '赞!' }))
      .then([tipPraised({ message: '赞!' })]);
  });

  it('is decided by the wallet decider, which owns the stream', () => {
    expect(walletDecider.decide(praise(), fold(walletDecider, walletWith('reader', 800)))).toEqual([tipPraised()]);
    expect(decidePraiseTip(praise(), fold(walletDecider, walletWith('reader', 800)))).toEqual([tipPraised()]);
  });

  it('rejects tipping yourself', () => {
    given(walletWith('reader', 800))
      .when(praise({ authorId: 'reader' }))
      .thenThrows(SelfPayment);
  });

  it('accepts the limits themselves and rejects amounts outside them', () => {
    given(walletWith('reader', 50_000))
      .when(praise({ amount: DEFAULT_LIMITS.tip.max }))
      .then([tipPraised({ amount: 20_000 })]);
    given(walletWith('reader', 50_000))
      .when(praise({ amount: DEFAULT_LIMITS.tip.min - 1 }))
      .thenThrows(AmountOutOfRange);
    given(walletWith('reader', 50_000))
      .when(praise({ amount: DEFAULT_LIMITS.tip.max + 1 }))
      .thenThrows(AmountOutOfRange);
  });

  it('rejects a malformed amount', () => {
    given(walletWith('reader', 50_000))
      .when(praise({ amount: 500.5 }))
      .thenThrows(InvalidCommand);
  });

  it('calls an author eligible exactly when the decider accepts them (the api caches eligible authors)', () => {
    for (const exists of [true, false])
      for (const kind of ['individual', 'business', undefined] as const)
        for (const verified of [true, false])
          for (const hasPersonalCard of [true, false]) {
            const author: TipAuthor = { exists, kind, verified, hasPersonalCard };
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
      .when(praise({ author: { exists: false, verified: false, hasPersonalCard: false } }))
      .thenThrows(AuthorNotEligible, NOT_ELIGIBLE);
  });

  it('rejects a business author', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: true, kind: 'business', verified: true, hasPersonalCard: true } }))
      .thenThrows(AuthorNotEligible, NOT_ELIGIBLE);
  });

  it('rejects an author without a personal card', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: true, kind: 'individual', verified: true, hasPersonalCard: false } }))
      .thenThrows(AuthorNotEligible, NOT_ELIGIBLE);
  });

  it('rejects an author who is not verified, whatever card they declared', () => {
    given(walletWith('reader', 800))
      .when(praise({ author: { exists: true, kind: 'individual', verified: false, hasPersonalCard: true } }))
      .thenThrows(AuthorNotEligible, NOT_ELIGIBLE);
  });

  it('rejects more than the balance, and a missing reader wallet has none', () => {
    given(walletWith('reader', 500))
      .when(praise({ amount: 501 }))
      .thenThrows(InsufficientFunds);
    given([]).when(praise()).thenThrows(InsufficientFunds);
  });

  it('reads eligibility from the author’s wallet', () => {
    expect(tipAuthor(fold(walletDecider, []))).toEqual({ exists: false, kind: undefined, verified: false, hasPersonalCard: false });
    // A v1 card declared personal counts for nothing: who may be tipped is decided, not declared.
    expect(tipAuthor(fold(walletDecider, [walletOpened('author'), cardLinked('author', 'c1', true, null)]))).toEqual({
      exists: true,
      kind: 'individual',
      verified: false,
      hasPersonalCard: false,
    });
    // A card linked before the verification is personal once the verified name holds it.
    const before = [walletOpened('author'), cardLinked('author', 'c1', false, OTHER_NAME_HASH), cardLinked('author', 'c2', false)];
    expect(tipAuthor(fold(walletDecider, [...before, verificationRequested('author'), walletVerified('author')]))).toEqual({
      exists: true,
      kind: 'individual',
      verified: true,
      hasPersonalCard: true,
    });
  });
});
