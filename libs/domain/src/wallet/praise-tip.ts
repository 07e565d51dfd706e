import type { DomainEvent, Fen, WalletKind } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { AuthorNotEligible, SelfPayment } from '../errors';
import { optionalText, requireAmountWithin, requireId } from '../validation';
import { hasPersonalCard, requireFunds, requireOwnStream, type WalletEvent, type WalletState } from './wallet.state';
import { requireWithinLimits } from './limits';

/** What the tip decision needs to know of the author's wallet, read by the handler at decision time. */
export interface TipAuthor {
  exists: boolean;
  kind?: WalletKind;
  /** Verified by the provider or an admin. */
  verified: boolean;
  /** A card held by the verified individual (see hasPersonalCard): decided, never declared. */
  hasPersonalCard: boolean;
}

/** Decided on the reader's stream `wallet-<readerId>`; the author's credit follows as CreditWallet. */
export type PraiseTip = Command<
  'PraiseTip',
  { tipId: string; readerId: string; authorId: string; articleId: string; amount: Fen; message?: string; author: TipAuthor }
>;

export const tipAuthor = (authorWallet: WalletState): TipAuthor => ({
  exists: authorWallet.exists,
  kind: authorWallet.kind,
  verified: authorWallet.verification?.status === 'verified',
  hasPersonalCard: hasPersonalCard(authorWallet),
});

/**
 * The wallet events that never change what a tip needs of its author (tipAuthor): money moving in
 * and out. A tip decided on a cached author is appended unless the author's wallet got another
 * event since (AppendGuard's `unless`); a type missing here only costs a read.
 */
export const TIP_AUTHOR_UNCHANGED_BY: readonly WalletEvent['type'][] = [
  'WalletFunded',
  'WalletWithdrawn',
  'FundsTransferred',
  'TransferReceived',
  'TipPraised',
  'TipReceived',
  'RedPacketSent',
  'RedPacketShareReceived',
  'RedPacketRefunded',
  'OrderPlaced',
  'OrderPaymentDeclined',
  'OrderPaymentReceived',
  'OrderRefunded',
  'OrderRefundDeclined',
  'OrderRefundReceived',
  'MerchantPaid',
  'MerchantPaymentReceived',
  'MerchantPaymentReturned',
  'GroupBuyFundsHeld',
  'GroupBuyFundsReturned',
  'GroupBuyPaymentReceived',
];

/** Whether an author may be tipped: a verified individual wallet with a personal card linked. */
export const isEligibleAuthor = (author: TipAuthor | undefined): boolean =>
  !!author?.exists && author.kind === 'individual' && !!author.verified && !!author.hasPersonalCard;

/**
 * One answer whatever the author lacks: their wallet, its kind, their verification and their cards are
 * theirs to see (GET /v1/wallets/me; another's wallet is admin only), not every reader's.
 */
const requireEligible = (authorId: string, author: TipAuthor | undefined): void => {
  if (!isEligibleAuthor(author)) {
    throw new AuthorNotEligible(`author ${authorId} cannot be tipped: only a verified individual with a personal bank card linked can be`);
  }
};

/** Checks: shape, self-tip, limits, author eligibility, then the reader's balance. */
export const decidePraiseTip = ({ data }: PraiseTip, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): DomainEvent<'TipPraised'>[] => {
  const tipId = requireId(data.tipId, 'tipId');
  const readerId = requireId(data.readerId, 'readerId');
  const authorId = requireId(data.authorId, 'authorId');
  const articleId = requireId(data.articleId, 'articleId');
  const message = optionalText(data.message, 'message');
  requireOwnStream(state, readerId);
  if (readerId === authorId) throw new SelfPayment('nobody tips themselves');
  const amount = requireAmountWithin(data.amount, context.limits.tip, 'a tip');
  requireEligible(authorId, data.author);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [
    {
      type: 'TipPraised',
      data: { tipId, readerId, authorId, articleId, amount, ...(message !== undefined && { message }) },
    },
  ];
};
