import type { StoredEvent } from '@zan/contracts';
import { compileFilter, eventUsers } from './event-filter';
import { csvField, csvHeader, csvRow, ndjsonLine, unknownCategories, walletEffect } from './export-format';

const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  id: '2f1c0b7e-0000-4000-8000-000000000001',
  type: 'TipPraised',
  version: 1,
  streamId: 'wallet-alice',
  revision: 3,
  position: 123_456_789_012_345_678_901n,
  occurredAt: '2026-01-01T08:00:00.000Z',
  data: { tipId: 't1', readerId: 'alice', authorId: 'bob', articleId: 'a,"1"', amount: 888, message: '赞\nline' },
  metadata: { correlationId: 'c', causationId: 'k', userId: 'alice' },
  ...over,
});

describe('export formats', () => {
  it('writes NDJSON with the position as a decimal string, every digit kept', () => {
    const line = ndjsonLine(event());
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ position: '123456789012345678901', revision: 3, data: { amount: 888 }, wallet: 'alice', delta: -888 });
  });

  it('names the wallet whose balance an event changes and the signed change, whoever acted', () => {
    expect(walletEffect(event())).toEqual({ wallet: 'alice', delta: -888 });
    // The author's credit: the reader acted (metadata.userId), the author's wallet gains.
    const received = event({
      type: 'TipReceived',
      streamId: 'wallet-bob',
      data: { tipId: 't1', readerId: 'alice', authorId: 'bob', articleId: 'a', amount: 888 },
    });
    expect(walletEffect(received)).toEqual({ wallet: 'bob', delta: 888 });
    expect(walletEffect(event({ type: 'BankCardLinked', data: { userId: 'alice', cardId: 'c', personal: true } }))).toEqual({ wallet: 'alice', delta: 0 });
    const claimed = event({
      type: 'RedPacketClaimed',
      streamId: 'red-packet-p-1',
      data: { redPacketId: 'p-1', senderId: 's', userId: 'u', amount: 5, remainingAmount: 0, remainingShares: 0 },
    });
    expect(walletEffect(claimed)).toEqual({ wallet: null, delta: 0 });
    expect(csvRow(received).endsWith(',bob,888\r\n')).toBe(true);
    expect(csvRow(claimed).endsWith(',,0\r\n')).toBe(true);
  });

  it('exports a money event whose amount is no whole number of fen as stored, with a null delta', () => {
    for (const amount of ['888', -888, undefined]) {
      expect(walletEffect(event({ data: { tipId: 't', readerId: 'alice', authorId: 'bob', articleId: 'x', amount } }))).toEqual({
        wallet: 'alice',
        delta: null,
      });
    }
  });

  it('gives article events no wallet and a delta of 0, and knows the article category', () => {
    const liked = event({ type: 'ArticleLiked', streamId: 'article-why-zan', revision: 1, data: { articleId: 'why-zan', authorId: 'bob', userId: 'alice' } });
    expect(walletEffect(liked)).toEqual({ wallet: null, delta: 0 });
    expect(JSON.parse(ndjsonLine(liked))).toMatchObject({ type: 'ArticleLiked', wallet: null, delta: 0 });
    expect(csvRow(liked).trimEnd().split(',').slice(-2)).toEqual(['', '0']);
    expect(unknownCategories(['article', 'wallet', 'red-packet'])).toEqual([]);
  });

  it('knows payments by code: the payer debited, the merchant or the payer credited, the code stream moving no wallet', () => {
    const payment = { paymentId: 'p', payerId: 'alice', merchantId: 'shop', amount: 800 };
    expect(walletEffect(event({ type: 'MerchantPaid', data: { ...payment, codeId: 'c'.repeat(64), dynamic: true } }))).toEqual({
      wallet: 'alice',
      delta: -800,
    });
    expect(walletEffect(event({ type: 'MerchantPaymentReceived', streamId: 'wallet-shop', data: payment }))).toEqual({ wallet: 'shop', delta: 800 });
    expect(walletEffect(event({ type: 'MerchantPaymentReturned', data: { ...payment, reason: 'code-used' } }))).toEqual({ wallet: 'alice', delta: 800 });
    const redeemed = event({
      type: 'PaymentCodeRedeemed',
      streamId: `payment-code-${'c'.repeat(64)}`,
      data: { codeId: 'c'.repeat(64), merchantId: 'shop', paymentId: 'p', payerId: 'alice', amount: 800 },
    });
    expect(walletEffect(redeemed)).toEqual({ wallet: null, delta: 0 });
    expect(unknownCategories(['payment-code'])).toEqual([]);
  });

  it('writes RFC 4180 CSV: quotes around commas, quotes and line breaks, quotes doubled', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvHeader()).toBe('position,occurredAt,streamId,revision,type,version,id,userId,amount,correlationId,causationId,data,metadata,wallet,delta\r\n');
    const row = csvRow(event());
    expect(
      row.startsWith('123456789012345678901,2026-01-01T08:00:00.000Z,wallet-alice,3,TipPraised,1,2f1c0b7e-0000-4000-8000-000000000001,alice,888,c,k,"{'),
    ).toBe(true);
    expect(row).toContain('""articleId"":""a,\\""1\\""""');
  });
});

describe('export filters', () => {
  it('finds the users an event involves: the actor and the users its payload names', () => {
    expect([...eventUsers(event())].sort()).toEqual(['alice', 'bob']);
    const sent = event({
      type: 'RedPacketSent',
      streamId: 'wallet-s',
      data: { senderId: 's', recipients: ['r1', 'r2'], amount: 1 },
      metadata: { correlationId: 'c', causationId: 'k', userId: 's' },
    });
    expect([...eventUsers(sent)].sort()).toEqual(['r1', 'r2', 's']);
    const transfer = event({
      type: 'FundsTransferred',
      streamId: 'wallet-a',
      data: { fromUserId: 'a', toUserId: 'b', transferId: 'userId-like' },
      metadata: { correlationId: 'c', causationId: 'k', userId: 'a' },
    });
    expect([...eventUsers(transfer)].sort()).toEqual(['a', 'b']);
  });

  it('ANDs the filters, ORs the values of one filter; times are from-inclusive, to-exclusive', () => {
    const e = event();
    expect(compileFilter({})(e)).toBe(true);
    expect(compileFilter({ types: ['TipReceived', 'TipPraised'], users: ['bob'] })(e)).toBe(true);
    expect(compileFilter({ types: ['TipPraised'], users: ['carol'] })(e)).toBe(false);
    expect(compileFilter({ categories: ['wallet'] })(e)).toBe(true);
    expect(compileFilter({ categories: ['red-packet'] })(e)).toBe(false);
    expect(compileFilter({ streams: ['wallet-bob', 'wallet-alice'] })(e)).toBe(true);
    expect(compileFilter({ from: new Date('2026-01-01T08:00:00Z') })(e)).toBe(true);
    expect(unknownCategories(['wallet', 'red-packet'])).toEqual([]);
    expect(unknownCategories(['tip', 'wallet', 'TipPraised'])).toEqual(['tip', 'TipPraised']);
    expect(compileFilter({ to: new Date('2026-01-01T08:00:00Z') })(e)).toBe(false);
  });
});
