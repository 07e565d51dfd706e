import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '@zan/platform';
import { clientFor, fundedUser } from '../support/http-client';
import { companyNameOf, usccOf } from '../support/identity';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/**
 * A verification request the wallet refuses (verified already as someone else: 409; another kind
 * than the wallet's: 422) changes nothing, the personal-data vault included: what stands there is
 * what was verified, and a business's product cards show its name from it.
 */
describe('verification requests that are refused change nothing (embedded)', () => {
  let zan: RunningZan & { dataDir: string };
  beforeAll(async () => {
    zan = await startEmbeddedZan();
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it("a verified merchant's refused re-verification under another company does not rename its product cards", async () => {
    const { client: shop } = await fundedUser(zan.app, 'vr-shop', 0, 'business');
    const vault = zan.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    expect(await vault.get('vr-shop')).toEqual({ kind: 'business', name: companyNameOf('vr-shop'), number: usccOf('vr-shop') });
    // Another company's name, and a number that is not even a valid credit code: refused (409 already-verified).
    const refused = await shop
      .post('/v1/wallets/me/verification', { kind: 'business', companyName: '中国工商银行股份有限公司', licenseNumber: 'X' })
      .expect(409);
    expect(refused.body.type).toMatch(/already-verified$/);
    const listed = await shop.post('/v1/merchants/me/products', { title: 'Tea', price: 100 }).expect(201);
    const card = await clientFor(zan.app, 'vr-buyer').get(`/v1/products/${listed.body.productId}?after=${listed.body.position}`).expect(200);
    expect(card.body.merchantName).toBe(companyNameOf('vr-shop'));
    expect(await vault.get('vr-shop')).toEqual({ kind: 'business', name: companyNameOf('vr-shop'), number: usccOf('vr-shop') });
  });

  it('a refused kind mismatch does not put personal data in the vault', async () => {
    const { client: person } = await fundedUser(zan.app, 'vr-person', 0);
    const vault = zan.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    const before = await vault.get('vr-person');
    await person.post('/v1/wallets/me/verification', { kind: 'business', companyName: '某某公司', licenseNumber: 'ABC' }).expect(422);
    expect(await vault.get('vr-person')).toEqual(before);
  });
});
