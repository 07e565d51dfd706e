import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { PERSONAL_DATA_VAULT, maskName, type PersonalDataVault } from '@zan/platform';
import { idempotentCommandId } from '../../apps/api/src/command-path/ids';
import { canonical } from '../../apps/api/src/idempotency/idempotency.interceptor';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser, publishArticle, verify } from '../support/http-client';
import { companyNameOf, ownCardOf, realNameOf, residentIdOf, usccOf, verificationBodyOf } from '../support/identity';
import { startFakeKycProvider } from '../support/kyc-provider';
import { type RunningZan, startEmbeddedZan, startFullStackInProcess } from '../support/stacks';
import { readAsSubscriber } from '../support/subscriber';

/** A tip on an article the author published (v1.1: a tip names a published article of its author), answered `status`. */
const tipTo = async (app: INestApplication, reader: Client, authorId: string, amount: number, status: number) => {
  await publishArticle(app, authorId, `art-${authorId}`);
  return reader.post('/v1/tips', { authorId, articleId: `art-${authorId}`, amount }).expect(status);
};

/** Every file under a folder, as bytes: what Zan wrote to disk (not the data folder's lock, a socket). */
const filesUnder = (dir: string): Buffer[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path);
    return stat.isDirectory() ? filesUnder(path) : stat.isFile() ? [readFileSync(path)] : [];
  });

const containsAnywhere = (dir: string, value: string): boolean => filesUnder(dir).some((bytes) => bytes.includes(Buffer.from(value)));

describe('verified accounts (embedded, local provider)', () => {
  let zan: RunningZan & { dataDir: string };
  beforeAll(async () => {
    zan = await startEmbeddedZan();
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const admin = () => clientFor(zan.app, 'root', { roles: ['admin'] });

  it('tips a verified individual with a personal card, and no one else', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader', 10_000);
    const bob = clientFor(zan.app, 'bob');
    // A card linked before verification becomes personal once the verification names its holder.
    const early = await bob.post('/v1/wallets/me/cards', ownCardOf('bob')).expect(201);
    expect(early.body).toMatchObject({ cardId: 'card-bob', personal: false });
    const refused = await tipTo(zan.app, reader, 'bob', 500, 422);
    expect(refused.body.type).toMatch(/author-not-eligible$/);

    const verified = await bob.post('/v1/wallets/me/verification', verificationBodyOf('bob')).expect(201);
    expect(verified.body).toEqual({ userId: 'bob', status: 'verified', position: expect.stringMatching(/^\d+$/) });
    const wallet = await bob.get(`/v1/wallets/me?after=${verified.body.position}`).expect(200);
    expect(wallet.body.verification).toBe('verified');
    const other = await bob.post('/v1/wallets/me/cards', { cardId: 'card-mum', holderName: '王芳' }).expect(201);
    expect(other.body.personal).toBe(false);
    const again = await bob.post('/v1/wallets/me/cards', ownCardOf('bob', 'card-bob-2')).expect(201);
    expect(again.body.personal).toBe(true);

    await tipTo(zan.app, reader, 'bob', 500, 201);
  });

  it('rejects an identity that fails its check digit at once (201 rejected), and that wallet may not be tipped', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader2', 10_000);
    const eve = clientFor(zan.app, 'eve');
    const id = residentIdOf('eve');
    const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const rejected = await eve.post('/v1/wallets/me/verification', { kind: 'individual', realName: realNameOf('eve'), idNumber: wrong }).expect(201);
    expect(rejected.body.status).toBe('rejected');
    await eve.post('/v1/wallets/me/cards', ownCardOf('eve')).expect(201);
    expect((await tipTo(zan.app, reader, 'eve', 500, 422)).body.type).toMatch(/author-not-eligible$/);
    const business = clientFor(zan.app, 'shop');
    await business.post('/v1/wallets', { kind: 'business' }).expect(201);
    await verify(business, 'business');
    expect((await business.post('/v1/wallets/me/cards', ownCardOf('shop')).expect(201)).body.personal).toBe(false);
    expect((await tipTo(zan.app, reader, 'shop', 500, 422)).body.type).toMatch(/author-not-eligible$/);
  });

  it('lets a wallet the provider rejected ask again, unless an admin rejected it too', async () => {
    const id = residentIdOf('ivy');
    const wrong = { kind: 'individual', realName: realNameOf('ivy'), idNumber: id.slice(0, 17) + (id[17] === '0' ? '1' : '0') };
    const ivy = clientFor(zan.app, 'ivy');
    expect((await ivy.post('/v1/wallets/me/verification', wrong).expect(201)).body.status).toBe('rejected');
    await admin().post('/v1/admin/wallets/ivy/verification', { decision: 'rejected', reason: 'fraud' }).expect(201);
    expect((await ivy.post('/v1/wallets/me/verification', verificationBodyOf('ivy')).expect(409)).body.type).toMatch(/verification-rejected-by-admin$/);
    const jay = clientFor(zan.app, 'jay');
    const jayId = residentIdOf('jay');
    await jay
      .post('/v1/wallets/me/verification', { ...wrong, realName: realNameOf('jay'), idNumber: jayId.slice(0, 17) + (jayId[17] === '0' ? '1' : '0') })
      .expect(201);
    expect((await jay.post('/v1/wallets/me/verification', verificationBodyOf('jay')).expect(201)).body.status).toBe('verified');
  });

  it('lets an unverified wallet be funded and receive, but not withdraw (422 verification-required)', async () => {
    const carl = clientFor(zan.app, 'carl');
    await carl.post('/v1/wallets/me/cards', ownCardOf('carl')).expect(201);
    await carl.post('/v1/wallets/me/fundings', { cardId: 'card-carl', amount: 1_000 }).expect(201);
    const { client: payer } = await fundedUser(zan.app, 'payer', 5_000);
    await payer.post('/v1/transfers', { toUserId: 'carl', amount: 300 }).expect(201);
    const refused = await carl.post('/v1/wallets/me/withdrawals', { cardId: 'card-carl', amount: 100 }).expect(422);
    expect(refused.body.type).toMatch(/verification-required$/);
    await eventually('the transfer credited to carl', async () => (await carl.get('/v1/wallets/me')).body.balance === 1_300);
    expect((await carl.get('/v1/wallets/me').expect(200)).body.verification).toBe('none');
    await verify(carl);
    await carl.post('/v1/wallets/me/withdrawals', { cardId: 'card-carl', amount: 100 }).expect(201);
  });

  it("lets an admin's decision override the provider's, both ways", async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader3', 10_000);
    const { client: dana } = await fundedUser(zan.app, 'dana', 1_000);
    await tipTo(zan.app, reader, 'dana', 500, 201);
    const revoked = await admin().post('/v1/admin/wallets/dana/verification', { decision: 'rejected', reason: 'forged papers' }).expect(201);
    expect(revoked.body).toMatchObject({ userId: 'dana', status: 'rejected' });
    expect((await tipTo(zan.app, reader, 'dana', 500, 422)).body.type).toMatch(/author-not-eligible$/);
    expect((await dana.post('/v1/wallets/me/withdrawals', { cardId: 'card-dana', amount: 100 }).expect(422)).body.type).toMatch(/verification-required$/);
    // The admin's rejection stands: asking the provider again would undo it, so only an admin lifts it.
    const again = await dana.post('/v1/wallets/me/verification', verificationBodyOf('dana')).expect(409);
    expect(again.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(again.body).toMatchObject({ type: expect.stringMatching(/verification-rejected-by-admin$/), status: 409 });
    expect((await dana.get('/v1/wallets/me').expect(200)).body.verification).toBe('rejected');
    expect((await tipTo(zan.app, reader, 'dana', 500, 422)).body.type).toMatch(/author-not-eligible$/);
    await admin().post('/v1/admin/wallets/dana/verification', { decision: 'verified' }).expect(201);
    await tipTo(zan.app, reader, 'dana', 500, 201);
    await clientFor(zan.app, 'dana').post('/v1/admin/wallets/dana/verification', { decision: 'verified' }).expect(403);
    await admin().post('/v1/admin/wallets/nobody-here/verification', { decision: 'verified' }).expect(404);
  });

  it('refuses bad input with a 400 or 422 naming it, and changes nothing', async () => {
    const fay = clientFor(zan.app, 'fay');
    const bad: object[] = [
      {},
      { kind: 'robot', realName: '张三', idNumber: residentIdOf('fay') },
      { kind: 'individual', idNumber: residentIdOf('fay') },
      { kind: 'individual', realName: '张三' },
      { kind: 'individual', realName: '张\u0000三', idNumber: residentIdOf('fay') },
      { kind: 'individual', realName: '张三', idNumber: '1101-0519' },
      { kind: 'individual', realName: '张三', idNumber: residentIdOf('fay'), companyName: 'x' },
      { kind: 'business', companyName: '某公司' },
    ];
    for (const body of bad) {
      const answer = await fay.post('/v1/wallets/me/verification', body);
      expect({ body, status: answer.status, type: answer.body.type }).toEqual({ body, status: 400, type: expect.stringMatching(/validation$/) });
    }
    await fay.post('/v1/wallets/me/cards', { cardId: 'c-1' }).expect(400);
    expect(await zan.app.get<EventStore>(EVENT_STORE).readStream(walletStream('fay'))).toEqual([]);
    await admin().post('/v1/admin/wallets/fay/verification', { decision: 'maybe' }).expect(400);
    // A business identity on an individual wallet: 422, nothing changed.
    const opened = await fay.post('/v1/wallets', { kind: 'individual' }).expect(201);
    expect((await fay.post('/v1/wallets/me/verification', verificationBodyOf('fay', 'business')).expect(422)).body.type).toMatch(/verification-kind-mismatch$/);
    expect((await fay.get(`/v1/wallets/me?after=${opened.body.position}`).expect(200)).body.verification).toBe('none');
    // Verified once, as someone else: 409.
    await verify(fay);
    expect((await fay.post('/v1/wallets/me/verification', { ...verificationBodyOf('fay'), realName: '别人' }).expect(409)).body.type).toMatch(
      /already-verified$/,
    );
  });

  it('refuses a callback while the local provider is configured (no secret to check it with)', async () => {
    await request(zan.app.getHttpServer()).post('/v1/verification-callbacks').set('X-Zan-Signature', '0'.repeat(64)).send({}).expect(401);
  });

  it('shreds personal data: the vault key is gone, the events still replay, only masked forms remain anywhere on disk', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader4', 10_000);
    const gao = clientFor(zan.app, 'gao');
    const realName = '高晓松';
    const idNumber = residentIdOf('gao');
    await gao.post('/v1/wallets/me/verification', { kind: 'individual', realName, idNumber }).expect(201);
    await gao.post('/v1/wallets/me/cards', { cardId: 'card-gao', holderName: realName }).expect(201);
    await tipTo(zan.app, reader, 'gao', 800, 201);
    const vault = zan.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    expect(await vault.get('gao')).toEqual({ kind: 'individual', name: realName, number: idNumber });

    await admin().delete('/v1/admin/users/gao/personal-data').expect(204);
    await request(zan.app.getHttpServer()).delete('/v1/admin/users/gao/personal-data').set('Authorization', `Bearer ${gao.token}`).expect(403);
    expect(await vault.get('gao')).toBeUndefined();
    // Shredding is idempotent; the person is gone, the money is not.
    await admin().delete('/v1/admin/users/gao/personal-data').expect(204);
    await eventually('the tip credited to gao', async () => (await gao.get('/v1/wallets/me')).body.balance === 800);
    expect((await gao.get('/v1/wallets/me').expect(200)).body.verification).toBe('verified');
    const exported = await request(zan.app.getHttpServer()).get('/v1/wallets/gao').set('Authorization', `Bearer ${admin().token}`).expect(200);
    expect(JSON.stringify(exported.body)).not.toContain(realName);
    expect(containsAnywhere(zan.dataDir, realName)).toBe(false);
    expect(containsAnywhere(zan.dataDir, idNumber)).toBe(false);
    expect(containsAnywhere(zan.dataDir, '高**')).toBe(true);
  });

  // The Idempotency-Key's record and the ids of the command it names derive from a hash of the
  // request; unkeyed, a card's holder name was found again from the masked name and the event's
  // causation id (Kafka, exports, webhooks carry both) in a fraction of a second, shredded or not.
  it("never lets a card's holder name be found again from its event, once shredded", async () => {
    const wen = clientFor(zan.app, 'wen');
    const realName = '文静';
    await wen.post('/v1/wallets/me/verification', { kind: 'individual', realName, idNumber: residentIdOf('wen') }).expect(201);
    await wen.post('/v1/wallets/me/cards', { cardId: 'card-wen', holderName: realName }, 'link-wen').expect(201);
    await admin().delete('/v1/admin/users/wen/personal-data').expect(204);

    const events = await zan.app.get<EventStore>(EVENT_STORE).readStream(walletStream('wen'));
    const linked = events.find((event) => event.type === 'BankCardLinked')!;
    expect(linked.data).toMatchObject({ cardId: 'card-wen', holderName: '文*' });
    // What anyone holding the event may try: every name the masked form allows, hashed as the request was.
    const commandIdIf = (holderName: string) =>
      idempotentCommandId(
        'wen',
        'link-wen',
        createHash('sha256')
          .update(`POST\n/v1/wallets/me/cards\n${canonical({ cardId: 'card-wen', holderName })}`)
          .digest('hex'),
      );
    const guesses = Array.from({ length: 0x9fff - 0x4e00 + 1 }, (_, i) => `文${String.fromCodePoint(0x4e00 + i)}`);
    expect(guesses.filter((name) => commandIdIf(name) === linked.metadata.causationId)).toEqual([]);
    // Nor the resident id number from the verification's ids: even the true body does not give them back.
    const yu = clientFor(zan.app, 'yu');
    await yu.post('/v1/wallets', { kind: 'individual' }).expect(201);
    const body = { kind: 'individual', realName: '于敏', idNumber: residentIdOf('yu') };
    await yu.post('/v1/wallets/me/verification', body, 'verify-yu').expect(201);
    const requested = (await zan.app.get<EventStore>(EVENT_STORE).readStream(walletStream('yu'))).find((event) => event.type === 'VerificationRequested')!;
    const unkeyed = idempotentCommandId(
      'yu',
      'verify-yu',
      createHash('sha256')
        .update(`POST\n/v1/wallets/me/verification\n${canonical(body)}`)
        .digest('hex'),
    );
    expect(requested.metadata.causationId).not.toBe(unkeyed);
  });

  // "Personal data never enters the event log in clear ... every read model and export shows the
  // masked form only" once shredded: a business's company name too. ProductListed (v2) carries it
  // masked; the card shows it in clear while the vault holds it.
  it("keeps a business's company name masked in events, and on its cards once shredded", async () => {
    const { client: shop } = await fundedUser(zan.app, 'vr-shred', 0, 'business');
    const company = companyNameOf('vr-shred');
    const listed = await shop.post('/v1/merchants/me/products', { title: '茶', price: 100 }).expect(201);
    const buyer = clientFor(zan.app, 'vr-buyer');
    const cardPath = `/v1/products/${listed.body.productId}?after=${listed.body.position}`;
    expect((await buyer.get(cardPath).expect(200)).body.merchantName).toBe(company);
    const store = zan.app.get<EventStore>(EVENT_STORE);
    const [event] = await store.readStream(`product-${listed.body.productId}`, { maxCount: 1 });
    expect({ type: event!.type, version: event!.version, merchantName: (event!.data as { merchantName: string }).merchantName }).toEqual({
      type: 'ProductListed',
      version: 2,
      merchantName: maskName(company),
    });

    await admin().delete('/v1/admin/users/vr-shred/personal-data').expect(204);
    expect((await buyer.get(cardPath).expect(200)).body.merchantName).toBe(maskName(company));
    expect(containsAnywhere(zan.dataDir, company)).toBe(false);
  });

  // A refused request (verified already as someone else: 409; another kind: 422) changes nothing, the
  // vault included: what stands there is what was verified, and a business's cards show its name from it.
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

  // The check before the vault is written and the append that follows are two steps: a request
  // refused in between (its twin verified first) has put its claim in the vault. A card names a
  // business only by the data the wallet's verification hashed, never by whatever the vault holds.
  it('a vault record that is not the verified identity never names the product cards', async () => {
    const { client: shop } = await fundedUser(zan.app, 'vr-race', 0, 'business');
    const vault = zan.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    await vault.put('vr-race', { kind: 'business', name: '中国工商银行股份有限公司', number: usccOf('vr-other') });
    const listed = await shop.post('/v1/merchants/me/products', { title: 'Tea', price: 100 }).expect(201);
    const card = await clientFor(zan.app, 'vr-buyer').get(`/v1/products/${listed.body.productId}?after=${listed.body.position}`).expect(200);
    expect(card.body.merchantName).toBe('vr-race');
    // The verified identity back in the vault: the card names it again.
    await vault.put('vr-race', { kind: 'business', name: companyNameOf('vr-race'), number: usccOf('vr-race') });
    const relisted = await shop.post('/v1/merchants/me/products', { title: 'Tea', price: 100 }).expect(201);
    const named = await clientFor(zan.app, 'vr-buyer').get(`/v1/products/${relisted.body.productId}?after=${relisted.body.position}`).expect(200);
    expect(named.body.merchantName).toBe(companyNameOf('vr-race'));
  });

  it('a refused kind mismatch does not put personal data in the vault', async () => {
    const { client: person } = await fundedUser(zan.app, 'vr-person', 0);
    const vault = zan.app.get<PersonalDataVault>(PERSONAL_DATA_VAULT);
    const before = await vault.get('vr-person');
    await person.post('/v1/wallets/me/verification', { kind: 'business', companyName: '某某公司', licenseNumber: 'ABC' }).expect(422);
    expect(await vault.get('vr-person')).toEqual(before);
  });
});

describe('verified accounts (embedded, http provider with its signed callback)', () => {
  const secret = 'kyc-callback-secret-for-tests';
  let zan: RunningZan & { dataDir: string };
  let provider: Awaited<ReturnType<typeof startFakeKycProvider>>;
  beforeAll(async () => {
    provider = await startFakeKycProvider();
    zan = await startEmbeddedZan({ env: { ZAN_KYC_PROVIDER: 'http', ZAN_KYC_URL: provider.url, ZAN_KYC_CALLBACK_SECRET: secret } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
    await provider?.close();
  }, 60_000);

  const callback = (body: object, signature?: string) => {
    const raw = JSON.stringify(body);
    const req = request(zan.app.getHttpServer()).post('/v1/verification-callbacks').set('Content-Type', 'application/json');
    return req.set('X-Zan-Signature', signature ?? createHmac('sha256', secret).update(raw).digest('hex')).send(raw);
  };

  it('is pending until the signed callback, which counts once; a bad or missing signature is 401 and changes nothing', async () => {
    const hana = clientFor(zan.app, 'hana');
    const pending = await hana.post('/v1/wallets/me/verification', verificationBodyOf('hana')).expect(202);
    expect(pending.body).toMatchObject({ userId: 'hana', status: 'pending' });
    const asked = provider.received.find((r) => r.userId === 'hana')!;
    expect(asked).toMatchObject({ kind: 'individual', name: realNameOf('hana'), number: residentIdOf('hana'), verificationId: expect.any(String) });
    const answer = { verificationId: asked.verificationId, userId: 'hana', decision: 'verified' };

    await callback(answer, 'f'.repeat(64)).expect(401);
    await request(zan.app.getHttpServer()).post('/v1/verification-callbacks').send(answer).expect(401);
    await callback({ ...answer, decision: 'rejected' }, createHmac('sha256', 'wrong-secret').update(JSON.stringify(answer)).digest('hex')).expect(401);
    expect((await hana.get(`/v1/wallets/me?after=${pending.body.position}`).expect(200)).body.verification).toBe('pending');
    await hana.post('/v1/wallets/me/cards', ownCardOf('hana')).expect(201);
    await hana.post('/v1/wallets/me/fundings', { cardId: 'card-hana', amount: 1_000 }).expect(201);
    expect((await hana.post('/v1/wallets/me/withdrawals', { cardId: 'card-hana', amount: 100 }).expect(422)).body.type).toMatch(/verification-required$/);

    await callback(answer).expect(204);
    await callback(answer).expect(204);
    // A late, contrary answer to the same request changes nothing either: the first answer stands.
    await callback({ ...answer, decision: 'rejected' }).expect(204);
    await eventually('hana verified in her wallet view', async () => (await hana.get('/v1/wallets/me')).body.verification === 'verified');
    await hana.post('/v1/wallets/me/withdrawals', { cardId: 'card-hana', amount: 100 }).expect(201);
    const { client: reader } = await fundedUserViaAdmin(zan, 'reader5', 5_000);
    await tipTo(zan.app, reader, 'hana', 500, 201);
  });

  it('answers a malformed signed callback 400, and the provider being down 503 (the request stays pending)', async () => {
    await callback({ userId: 'hana', decision: 'verified' }).expect(400);
    provider.failNext(500);
    const ivy = clientFor(zan.app, 'ivy');
    const down = await ivy.post('/v1/wallets/me/verification', verificationBodyOf('ivy')).expect(503);
    expect(down.headers['retry-after']).toBeDefined();
    provider.failNext(202);
    await ivy.post('/v1/wallets/me/verification', verificationBodyOf('ivy')).expect(202);
  });
});

/** With the http provider, a reader is verified by an admin (no provider answers in this test). */
const fundedUserViaAdmin = async (zan: RunningZan, userId: string, amount: number) => {
  const client = clientFor(zan.app, userId);
  await client.post('/v1/wallets/me/cards', ownCardOf(userId)).expect(201);
  await client.post('/v1/wallets/me/fundings', { cardId: `card-${userId}`, amount }).expect(201);
  return { client };
};

describe('shredding on the full stack: no clear personal value in PostgreSQL, Redis or Kafka', () => {
  let zan: RunningZan;
  beforeAll(async () => {
    zan = await startFullStackInProcess('shred');
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  /** Every row of every table of the spec's schema, as text. */
  const postgresText = async (): Promise<string> => {
    const pg = new PgClient({ connectionString: zan.env.ZAN_EVENT_STORE });
    await pg.connect();
    try {
      const tables = await pg.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
        [zan.env.ZAN_PG_SCHEMA],
      );
      const dumps: string[] = [];
      for (const { table_name } of tables.rows) {
        const rows = await pg.query<{ row: string }>(`SELECT t::text AS row FROM "${zan.env.ZAN_PG_SCHEMA}"."${table_name}" t`);
        dumps.push(`-- ${table_name}\n${rows.rows.map((r) => r.row).join('\n')}`);
      }
      return dumps.join('\n');
    } finally {
      await pg.end();
    }
  };

  /** Every key under the spec's prefix with its value, whatever its type. */
  const redisText = async (): Promise<string> => {
    const redis = new Redis(zan.env.REDIS_URL!);
    try {
      const keys = await redis.keys(`${zan.env.ZAN_REDIS_PREFIX}*`);
      const dumps = await Promise.all(
        keys.map(async (key) => {
          const type = await redis.type(key);
          const value =
            type === 'hash'
              ? await redis.hgetall(key)
              : type === 'zset'
                ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'string'
                      ? await redis.get(key)
                      : type === 'stream'
                        ? await redis.xrange(key, '-', '+')
                        : `(${type})`;
          return `${key} ${JSON.stringify(value)}`;
        }),
      );
      return dumps.join('\n');
    } finally {
      redis.disconnect();
    }
  };

  it('keeps only the masked name and hashes once the key is destroyed, and the money still adds up', async () => {
    const { client: reader } = await fundedUser(zan.app, 'shred-reader', 10_000);
    const lin = clientFor(zan.app, 'lin');
    const realName = '林黛玉';
    const idNumber = residentIdOf('lin');
    await lin.post('/v1/wallets/me/verification', { kind: 'individual', realName, idNumber }).expect(201);
    await lin.post('/v1/wallets/me/cards', { cardId: 'card-lin', holderName: realName }).expect(201);
    const tip = await tipTo(zan.app, reader, 'lin', 600, 201);
    await clientFor(zan.app, 'root', { roles: ['admin'] })
      .delete('/v1/admin/users/lin/personal-data')
      .expect(204);
    await eventually('the tip credited to lin', async () => (await lin.get(`/v1/wallets/me?after=${tip.body.position}`)).body.balance === 600);

    const stored = await postgresText();
    expect(stored).toContain('林**');
    expect(stored).toContain('-- personal_data_keys');
    const cached = await redisText();
    expect(cached).toContain('wallet:lin');
    const published = JSON.stringify(await readAsSubscriber(zan.env));
    expect(published).toContain('林**');
    for (const [where, text] of [
      ['PostgreSQL', stored],
      ['Redis', cached],
      ['Kafka', published],
    ] as const) {
      expect({ where, name: text.includes(realName), id: text.includes(idNumber) }).toEqual({ where, name: false, id: false });
    }
    expect((await lin.get('/v1/wallets/me').expect(200)).body).toMatchObject({ balance: 600, verification: 'verified' });
  });
});
