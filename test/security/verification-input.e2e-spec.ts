import request from 'supertest';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '@zan/platform';
import { type Client, clientFor } from '../support/http-client';
import { companyNameOf, realNameOf, residentIdOf, usccOf } from '../support/identity';
import { signCallback, startFakeKycProvider } from '../support/kyc-provider';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

const SECRET = 'kyc-callback-secret-hostile-input';
const HUGE = 'x'.repeat(10_240);

/** Hostile values of a text field: wrong types, empty, huge, control characters, a lone surrogate. */
const hostileText = (max: number): [string, unknown][] => [
  ['number', 42],
  ['null', null],
  ['boolean', true],
  ['object', { text: '张三' }],
  ['array', ['张三']],
  ['empty', ''],
  ['one too long', 'x'.repeat(max + 1)],
  ['10 KB', HUGE],
  ['NUL', '张\u0000三'],
  ['new line', '张\n三'],
  ['ESC', '\u001b[31m张三'],
  ['DEL', '张三\u007f'],
  ['C1', '\u0085张三'],
  ['lone surrogate', '张\ud800'],
];
/** Hostile values of an identity number: letters and digits only, 1..32 of them. */
const hostileNumbers: [string, unknown][] = [
  // A JSON number of 18 digits (more than a double holds exactly): a number, not the ID's string.
  // eslint-disable-next-line no-loss-of-precision -- the imprecision is the point: clients send such numbers
  ['number', 110105199001010011],
  ['null', null],
  ['array', ['110105199001010011']],
  ['empty', ''],
  ['33 characters', '1'.repeat(33)],
  ['10 KB', HUGE],
  ['dashes', '1101-0519-9001'],
  ['space inside', '110105 199001010011'],
  ['NUL', '11010519900101001\u0000'],
  ['full-width digits', '１１０１０５１９９００１０１００１１'],
  ['SQL', "1' OR '1'='1"],
];
const hostileKinds: [string, unknown][] = [
  ['unknown kind', 'robot'],
  ['upper case', 'INDIVIDUAL'],
  ['number', 1],
  ['null', null],
  ['array', ['individual']],
  ['object', { kind: 'individual' }],
  ['10 KB', HUGE],
];

/**
 * Hostile input on the verification and card routes: every bad body is a 400 problem naming the
 * field, and nothing changes (no event on the wallet stream, nothing in the personal data vault).
 * A signed callback with a bad body is a 400 naming the field; a path id that is not an id is a 400
 * naming `userId`.
 */
describe('hostile input on the verification and card routes (embedded, http provider)', () => {
  let zan: RunningZan;
  let provider: Awaited<ReturnType<typeof startFakeKycProvider>>;
  let store: EventStore;
  let vault: PersonalDataVault;
  let mallory: Client;
  let admin: Client;
  const tried: Record<string, number> = {};

  beforeAll(async () => {
    provider = await startFakeKycProvider();
    zan = await startEmbeddedZan({ env: { ZAN_KYC_PROVIDER: 'http', ZAN_KYC_URL: provider.url, ZAN_KYC_CALLBACK_SECRET: SECRET } });
    store = zan.app.get(EVENT_STORE);
    vault = zan.app.get(PERSONAL_DATA_VAULT);
    mallory = clientFor(zan.app, 'mallory');
    admin = clientFor(zan.app, 'hostile-admin', { roles: ['admin'] });
    await mallory.post('/v1/wallets', { kind: 'individual' }).expect(201);
  }, 120_000);
  afterAll(async () => {
    console.log(`hostile verification input by route: ${JSON.stringify(tried)}`);
    await zan?.close();
    await provider?.close();
  }, 60_000);

  const unchanged = async () => ({
    events: (await store.readStream(walletStream('mallory'))).length,
    vault: await vault.get('mallory'),
    asked: provider.received.length,
  });

  const expectFieldProblem = (response: request.Response, field: string, label: string) => {
    tried[label.split(' ')[0]!] = (tried[label.split(' ')[0]!] ?? 0) + 1;
    if (response.status !== 400 || !Array.isArray(response.body.errors))
      throw new Error(`${label}: answered ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect({ label, fields: response.body.errors.map((e: { field: string }) => e.field) }).toEqual({ label, fields: expect.arrayContaining([field]) });
    expect(JSON.stringify(response.body)).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/);
  };

  it('refuses every hostile verification body with a 400 naming the field, and asks no provider', async () => {
    const before = await unchanged();
    const individual = { kind: 'individual', realName: realNameOf('mallory'), idNumber: residentIdOf('mallory') };
    const business = { kind: 'business', companyName: companyNameOf('mallory'), licenseNumber: usccOf('mallory') };
    const cases: [string, Record<string, unknown>, string][] = [
      ['empty body', {}, 'kind'],
      ...hostileKinds.map(([name, kind]): [string, Record<string, unknown>, string] => [`kind ${name}`, { ...individual, kind }, 'kind']),
      ['no realName', { kind: 'individual', idNumber: individual.idNumber }, 'realName'],
      ['no idNumber', { kind: 'individual', realName: individual.realName }, 'idNumber'],
      ['no companyName', { kind: 'business', licenseNumber: business.licenseNumber }, 'companyName'],
      ['no licenseNumber', { kind: 'business', companyName: business.companyName }, 'licenseNumber'],
      ...hostileText(100).map(([name, value]): [string, Record<string, unknown>, string] => [
        `realName ${name}`,
        { ...individual, realName: value },
        'realName',
      ]),
      ...hostileText(100).map(([name, value]): [string, Record<string, unknown>, string] => [
        `companyName ${name}`,
        { ...business, companyName: value },
        'companyName',
      ]),
      ...hostileNumbers.map(([name, value]): [string, Record<string, unknown>, string] => [`idNumber ${name}`, { ...individual, idNumber: value }, 'idNumber']),
      ...hostileNumbers.map(([name, value]): [string, Record<string, unknown>, string] => [
        `licenseNumber ${name}`,
        { ...business, licenseNumber: value },
        'licenseNumber',
      ]),
      ['a company name on an individual', { ...individual, companyName: business.companyName }, 'companyName'],
      ['an ID number on a business', { ...business, idNumber: individual.idNumber }, 'idNumber'],
      ['an unknown field', { ...individual, verified: true }, 'verified'],
      ['a userId of someone else', { ...individual, userId: 'victim' }, 'userId'],
    ];
    for (const [name, body, field] of cases) expectFieldProblem(await mallory.post('/v1/wallets/me/verification', body), field, `verification ${name}`);
    // Not an object at all: the body parser's 400 (or 415 for text), a problem all the same.
    for (const body of [[individual], 'just text']) {
      const response = await mallory.post('/v1/wallets/me/verification', body as object);
      expect({ body, status: response.status, type: response.headers['content-type'] }).toEqual({
        body,
        status: expect.any(Number),
        type: expect.stringMatching(/problem\+json/),
      });
      expect([400, 415]).toContain(response.status);
    }
    expect(await unchanged()).toEqual(before);
  }, 120_000);

  // Checked bottom up: the pattern was the first rule, so 42 or null was told "idNumber must be 1..32
  // letters and digits" and the string rule's own message was never given.
  it('tells an identity number that is no string that it must be one, and asks no provider', async () => {
    const before = await unchanged();
    const individual = { kind: 'individual', realName: realNameOf('mallory'), idNumber: residentIdOf('mallory') };
    const business = { kind: 'business', companyName: companyNameOf('mallory'), licenseNumber: usccOf('mallory') };
    for (const value of [42, null, true, ['1'], { n: 1 }]) {
      for (const [field, body] of [
        ['idNumber', { ...individual, idNumber: value }],
        ['licenseNumber', { ...business, licenseNumber: value }],
      ] as const) {
        const response = await mallory.post('/v1/wallets/me/verification', body);
        expect({ value, status: response.status, errors: response.body.errors }).toEqual({
          value,
          status: 400,
          errors: [{ field, message: `${field} must be a string` }],
        });
      }
    }
    expect(await unchanged()).toEqual(before);
  });

  it('refuses every hostile card body with a 400 naming the field', async () => {
    const before = await unchanged();
    const valid = { cardId: 'card-mallory', holderName: realNameOf('mallory') };
    const cases: [string, Record<string, unknown>, string][] = [
      ['empty body', {}, 'cardId'],
      ['no holderName', { cardId: 'card-mallory' }, 'holderName'],
      ['no cardId', { holderName: valid.holderName }, 'cardId'],
      ...hostileText(100).map(([name, value]): [string, Record<string, unknown>, string] => [
        `holderName ${name}`,
        { ...valid, holderName: value },
        'holderName',
      ]),
      ...(
        [
          ['number', 6222],
          ['null', null],
          ['empty', ''],
          ['10 KB', HUGE],
          ['path', '../../etc/passwd'],
          ['NUL', 'card\u0000'],
          ['unicode', '卡👍'],
        ] as [string, unknown][]
      ).map(([name, value]): [string, Record<string, unknown>, string] => [`cardId ${name}`, { ...valid, cardId: value }, 'cardId']),
      ['personal as text', { ...valid, personal: 'yes' }, 'personal'],
      ['personal as null', { ...valid, personal: null }, 'personal'],
      ['an unknown field', { ...valid, verified: true }, 'verified'],
    ];
    for (const [name, body, field] of cases) expectFieldProblem(await mallory.post('/v1/wallets/me/cards', body), field, `cards ${name}`);
    expect(await unchanged()).toEqual(before);
  }, 120_000);

  it("refuses hostile admin decisions and path ids with a 400 naming the field, and doesn't shred on a bad id", async () => {
    const before = await unchanged();
    const cases: [string, Record<string, unknown>, string][] = [
      ['empty body', {}, 'decision'],
      ...hostileKinds.map(([name, decision]): [string, Record<string, unknown>, string] => [`decision ${name}`, { decision }, 'decision']),
      ['decision maybe', { decision: 'maybe' }, 'decision'],
      ...hostileText(200)
        .filter(([name]) => name !== 'one too long')
        .map(([name, value]): [string, Record<string, unknown>, string] => [`reason ${name}`, { decision: 'verified', reason: value }, 'reason']),
      ['reason one too long', { decision: 'verified', reason: 'x'.repeat(201) }, 'reason'],
      ['an unknown field', { decision: 'verified', decidedBy: 'provider' }, 'decidedBy'],
    ];
    for (const [name, body, field] of cases) expectFieldProblem(await admin.post('/v1/admin/wallets/mallory/verification', body), field, `decision ${name}`);
    for (const id of [encodeURIComponent('../mallory'), 'x'.repeat(200), '%E7%94%A8%E6%88%B7', 'a%00b', '-dash-first']) {
      expectFieldProblem(await admin.post(`/v1/admin/wallets/${id}/verification`, { decision: 'verified' }), 'userId', `decision path ${id.slice(0, 20)}`);
      expectFieldProblem(await admin.delete(`/v1/admin/users/${id}/personal-data`), 'userId', `shred path ${id.slice(0, 20)}`);
    }
    expect(await unchanged()).toEqual(before);
  }, 120_000);

  it('refuses a signed callback with a hostile body with a 400 naming the field, and records nothing', async () => {
    const pending = await mallory
      .post('/v1/wallets/me/verification', { kind: 'individual', realName: realNameOf('mallory'), idNumber: residentIdOf('mallory') })
      .expect(202);
    const verificationId = String(provider.askedAbout('mallory')!.verificationId);
    const valid = { verificationId, userId: 'mallory', decision: 'verified' };
    const before = await unchanged();
    const signed = (body: unknown) => {
      const raw = JSON.stringify(body);
      return request(zan.app.getHttpServer())
        .post('/v1/verification-callbacks')
        .set('Content-Type', 'application/json')
        .set('X-Zan-Signature', signCallback(SECRET, raw))
        .send(raw);
    };
    const cases: [string, unknown, string][] = [
      ['an array', [valid], 'body'],
      ['empty body', {}, 'verificationId'],
      ['verificationId number', { ...valid, verificationId: 42 }, 'verificationId'],
      ['verificationId 10 KB', { ...valid, verificationId: HUGE }, 'verificationId'],
      ['verificationId upper case', { ...valid, verificationId: verificationId.toUpperCase() }, 'verificationId'],
      ['no userId', { verificationId, decision: 'verified' }, 'userId'],
      ['userId path', { ...valid, userId: '../mallory' }, 'userId'],
      ['userId 10 KB', { ...valid, userId: HUGE }, 'userId'],
      ['userId NUL', { ...valid, userId: 'mallory\u0000' }, 'userId'],
      ...hostileKinds.map(([name, decision]): [string, unknown, string] => [`decision ${name}`, { ...valid, decision }, 'decision']),
      ...hostileText(200)
        .filter(([name]) => name !== 'one too long')
        .map(([name, reason]): [string, unknown, string] => [`reason ${name}`, { ...valid, reason }, 'reason']),
      ['reason one too long', { ...valid, reason: 'x'.repeat(201) }, 'reason'],
    ];
    for (const [name, body, field] of cases) expectFieldProblem(await signed(body), field, `callback ${name}`);
    // JSON that is not an object (strict JSON parsing): a 400 problem before the signature is read.
    for (const body of ['verified', null, 42]) expect((await signed(body)).status).toBe(400);
    expect(await unchanged()).toEqual(before);
    expect((await mallory.get(`/v1/wallets/me?after=${pending.body.position}`).expect(200)).body.verification).toBe('pending');
  }, 120_000);
});
