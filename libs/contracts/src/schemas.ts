/**
 * JSON Schemas (draft 07) of every event payload, by type and by every version that may still be
 * stored or on a topic (old versions are upcast on read, never rewritten), and of the metadata.
 * docs/asyncapi.yaml is generated from these (`npm run docs:asyncapi`); a test keeps them complete
 * against EVENT_CATALOG and the upcasters, and checks real events against them.
 */
import type { ZanEventType } from './events';
import { ARTICLE_TITLE_MAX_LENGTH } from './text';
import { fen, id, uuid, object, hash, verificationDecider, walletKind, redPacket, type JsonSchema } from './schema-parts';

export type { JsonSchema } from './schema-parts';
import { COMMERCE_EVENT_SCHEMAS } from './commerce-schemas';
import { GROUP_BUY_EVENT_SCHEMAS } from './group-buy-schemas';

/** Payload schemas by type and version. A new version adds an entry; old entries stay while old events exist. */

export const EVENT_SCHEMAS: { [T in ZanEventType]: Record<number, JsonSchema> } = {
  WalletOpened: { 1: object('A wallet was opened (first event of `wallet-<userId>`)', { userId: id('the owner'), kind: walletKind }) },
  BankCardLinked: {
    1: object(
      'A bank card was linked to the wallet',
      {
        userId: id('the owner'),
        cardId: id('the card'),
        personal: {
          type: 'boolean',
          description: 'whether the card counted as personal when linked (since v1.1 decided from the verification, never declared)',
        },
        holderName: {
          type: 'string',
          minLength: 1,
          maxLength: 100,
          description: "the holder's name masked: first character, then * per remaining one (since v1.1)",
        },
        holderNameHash: hash("the holder's name (since v1.1)"),
      },
      ['holderName', 'holderNameHash'],
    ),
  },
  VerificationRequested: {
    1: object('The wallet asked to be verified; personal data only masked and hashed, the clear values are in the vault', {
      userId: id('the owner'),
      verificationId: uuid('the verification'),
      kind: { type: 'string', enum: ['individual', 'business'] },
      maskedName: { type: 'string', minLength: 1, maxLength: 100, description: 'real or company name masked: first character, then * per remaining one' },
      nameHash: hash('the real or company name'),
      numberHash: hash('the resident ID number or unified social credit code'),
    }),
  },
  WalletVerified: {
    1: object(
      'The wallet is verified (by the provider, or by an admin, whose decision overrides)',
      { userId: id('the owner'), verificationId: uuid('the verification decided'), decidedBy: verificationDecider, reason: { type: 'string', maxLength: 200 } },
      ['verificationId', 'reason'],
    ),
  },
  VerificationRejected: {
    1: object(
      'The verification was rejected (by the provider, or by an admin, whose decision overrides)',
      { userId: id('the owner'), verificationId: uuid('the verification decided'), decidedBy: verificationDecider, reason: { type: 'string', maxLength: 200 } },
      ['verificationId', 'reason'],
    ),
  },
  WalletFunded: {
    1: object('Money came in from a linked card (v1)', {
      userId: id('the owner'),
      fundingId: uuid('the funding'),
      cardId: id('the card'),
      amount: fen('the top-up'),
    }),
    2: object('Money came in from a linked card', {
      userId: id('the owner'),
      fundingId: uuid('the funding'),
      amount: fen('the top-up'),
      source: object('where the money came from', { kind: { type: 'string', enum: ['card'] }, cardId: id('the card') }),
    }),
  },
  WalletWithdrawn: {
    1: object('Money went out to a linked card', {
      userId: id('the owner'),
      withdrawalId: uuid('the withdrawal'),
      cardId: id('the card'),
      amount: fen('the withdrawal'),
    }),
  },
  FundsTransferred: {
    1: object(
      "Debit of the payer's wallet (on the payer's stream); TransferReceived credits the payee",
      {
        transferId: uuid('the transfer'),
        fromUserId: id('the payer'),
        toUserId: id('the payee'),
        amount: fen('the transfer'),
        note: { type: 'string', maxLength: 200 },
      },
      ['note'],
    ),
  },
  TransferReceived: {
    1: object("Credit of the payee's wallet, caused by FundsTransferred", {
      transferId: uuid('the transfer'),
      fromUserId: id('the payer'),
      toUserId: id('the payee'),
      amount: fen('the transfer'),
    }),
  },
  TipPraised: {
    1: object(
      "Debit of the reader's wallet for a tip; TipReceived credits the author",
      {
        tipId: uuid('the tip'),
        readerId: id('who tipped'),
        authorId: id('who is tipped'),
        articleId: id('the article'),
        amount: fen('the tip'),
        message: { type: 'string', maxLength: 200 },
      },
      ['message'],
    ),
  },
  TipReceived: {
    1: object("Credit of the author's wallet, caused by TipPraised", {
      tipId: uuid('the tip'),
      readerId: id('who tipped'),
      authorId: id('who is tipped'),
      articleId: id('the article'),
      amount: fen('the tip'),
    }),
  },
  RedPacketSent: { 1: redPacket("Debit of the sender's wallet: the whole amount leaves for the packet") },
  RedPacketEscrowed: { 1: redPacket('First event of `red-packet-<id>`: the packet holds the money sent (caused by RedPacketSent)') },
  RedPacketClaimed: {
    1: object('A share was claimed; its amount was drawn once, at claim time', {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      userId: id('who claimed'),
      amount: fen('the share'),
      remainingAmount: fen('left in the packet', 0),
      remainingShares: { type: 'integer', minimum: 0 },
    }),
  },
  RedPacketExpired: {
    1: object('The packet expired; what was left goes back to the sender (RedPacketRefunded)', {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      amount: fen('left in the packet', 0),
      remainingShares: { type: 'integer', minimum: 0 },
    }),
  },
  RedPacketShareReceived: {
    1: object("Credit of the claimer's wallet, caused by RedPacketClaimed", {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      userId: id('who claimed'),
      amount: fen('the share'),
    }),
  },
  RedPacketRefunded: {
    1: object("Credit of the sender's wallet, caused by RedPacketExpired", {
      redPacketId: uuid('the red packet'),
      senderId: id('who sent it'),
      amount: fen('the refund'),
    }),
  },
  ArticlePublished: {
    1: object('First event of `article-<articleId>`: the article was published; whoever published it is its author', {
      articleId: id('the article'),
      authorId: id('who published it (tips to it go to this user)'),
      title: { type: 'string', minLength: 1, maxLength: ARTICLE_TITLE_MAX_LENGTH, description: 'free text, no control characters' },
    }),
  },
  ArticleLiked: {
    1: object('A reader liked the article (a like without cash; at most one per reader at a time)', {
      articleId: id('the article'),
      authorId: id('its author'),
      userId: id('who liked it'),
    }),
  },
  ArticleUnliked: {
    1: object('A reader took their like back', { articleId: id('the article'), authorId: id('its author'), userId: id('who unliked it') }),
  },
  ...COMMERCE_EVENT_SCHEMAS,
  ...GROUP_BUY_EVENT_SCHEMAS,
  WebhookEndpointDisabled: {
    1: object(
      'On `webhook-endpoint-<endpointId>`: every delivery to the endpoint failed for the disable window (3 days by default), so the webhook sender stopped sending to it until an admin enables it again',
      {
        endpointId: uuid('the endpoint (GET /v1/webhooks/endpoints)'),
        reason: { type: 'string', minLength: 1, maxLength: 200, description: 'as the endpoint shows it: every delivery failed since <failingSince>' },
        failingSince: { type: 'string', format: 'date-time', description: 'the first failed attempt of the streak' },
        disabledAt: { type: 'string', format: 'date-time', description: 'when the sender disabled it' },
      },
    ),
  },
};

/** Every event's metadata (CONTRACT.md, "Events"); on Kafka, the JSON of the `zan_metadata` header. */
export const EVENT_METADATA_SCHEMA: JsonSchema = object(
  'Who and what caused the event',
  {
    correlationId: id('the request or flow the event belongs to (X-Correlation-Id, else the request id)'),
    causationId: id('what caused the event: the command id, or the id of the event it reacts to'),
    userId: id('on whose behalf (system:expiry for timers)'),
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 255, description: 'the Idempotency-Key of the request, when it had one' },
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C trace context of the span that recorded (or, on Kafka, published) the event; only when tracing is on',
    },
  },
  ['idempotencyKey', 'traceparent'],
);
