import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { maskName } from '@zan/platform';
import { clientFor, fundedUser, publishArticle, verify, type Client } from '../support/http-client';
import { companyNameOf, ownCardOf } from '../support/identity';
import { readAllEvents } from '../support/read-model-snapshot';
import { startEmbeddedZan, type RunningZan } from '../support/stacks';

/**
 * What one user may make Zan say about or do to another, route by route, with a valid token of the
 * wrong principal: a merchant, a reader, a stranger. Every refusal changes nothing.
 */
describe('object-level authorization (embedded default)', () => {
  let zan: RunningZan;
  let store: EventStore;
  let admin: Client;
  let buyer: Client;

  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } });
    store = zan.app.get<EventStore>(EVENT_STORE);
    admin = clientFor(zan.app, 'oa-admin', { roles: ['admin'] });
    buyer = clientFor(zan.app, 'oa-buyer');
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  // A product card names its merchant in clear only by an identity the verification accepted. A
  // merchant an admin has rejected may not ask again (409: only an admin lifts the rejection), so a
  // claim under any company's name never reaches the provider, the log or the name buyers read.
  it("never names a product card's merchant by a claim that was not verified", async () => {
    const { client: shop } = await fundedUser(zan.app, 'oa-shop', 0, 'business');
    const listed = await shop.post('/v1/merchants/me/products', { title: '茶', price: 100 }).expect(201);
    const rejected = await admin.post('/v1/admin/wallets/oa-shop/verification', { decision: 'rejected', reason: '执照吊销' }, null).expect(201);
    const claim = await shop.post('/v1/wallets/me/verification', { kind: 'business', companyName: '中国工商银行股份有限公司', licenseNumber: 'X' }).expect(409);
    expect(claim.body.type).toMatch(/verification-rejected-by-admin$/);
    const card = await buyer.get(`/v1/products/${listed.body.productId}?after=${rejected.body.position}`).expect(200);
    expect(card.body.merchantName).not.toBe('中国工商银行股份有限公司');
    expect(card.body.merchantName).toBe(maskName(companyNameOf('oa-shop')));
    expect((await readAllEvents(store)).some((event) => JSON.stringify(event.data).includes('中国工商银行'))).toBe(false);
  });

  // Whether another user has a wallet, of which kind, verified or not, with a personal card or not, is
  // theirs (GET /v1/wallets/{userId} is admin only): a reader whose tip is refused hears that the
  // author cannot be tipped, not which of those the author lacks. Nothing is debited or stored.
  it("refuses a tip to an ineligible author without telling the reader what the author's wallet lacks", async () => {
    const { client: reader } = await fundedUser(zan.app, 'oa-reader', 10_000);
    const unverified = clientFor(zan.app, 'oa-unverified');
    await unverified.post('/v1/wallets', { kind: 'individual' }).expect(201);
    await unverified.post('/v1/wallets/me/cards', ownCardOf('oa-unverified')).expect(201);
    const cardless = clientFor(zan.app, 'oa-cardless');
    await cardless.post('/v1/wallets', { kind: 'individual' }).expect(201);
    await verify(cardless);
    await fundedUser(zan.app, 'oa-firm', 0, 'business');
    const authors = ['oa-walletless', 'oa-unverified', 'oa-cardless', 'oa-firm'];
    for (const author of authors) await publishArticle(zan.app, author, `${author}-art`);
    const before = (await readAllEvents(store)).length;
    const details: string[] = [];
    for (const author of authors) {
      const refused = await reader.post('/v1/tips', { authorId: author, articleId: `${author}-art`, amount: 500 }).expect(422);
      expect(refused.body.type).toMatch(/author-not-eligible$/);
      details.push(String(refused.body.detail).split(author).join('<author>'));
    }
    expect(new Set(details).size).toBe(1);
    expect(details[0]).not.toMatch(/no wallet|business|not verified|no personal/);
    expect((await readAllEvents(store)).length).toBe(before);
  });
});
