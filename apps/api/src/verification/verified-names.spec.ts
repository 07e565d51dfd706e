import { keyedHash, type PersonalData, type PersonalDataVault, type VaultKeys } from '@zan/platform';
import type { WalletStreams } from '../command-path/wallet-streams';
import { VerifiedNames } from './verified-names';

const keys: VaultKeys = { masterKey: Buffer.alloc(32, 1), hashKey: Buffer.alloc(32, 2) };
const company = '赞咖啡有限公司';

const namesWith = (vault: Partial<PersonalDataVault>, load: () => Promise<unknown>) =>
  new VerifiedNames(vault as PersonalDataVault, keys, { load } as unknown as WalletStreams);
const verifiedWallet = async () => ({ state: { verification: { status: 'verified', kind: 'business', nameHash: keyedHash(keys.hashKey, 'name', company) } } });

describe('VerifiedNames', () => {
  it('shows the verified company name while the vault holds it, and the masked form once it is gone', async () => {
    let data: PersonalData | undefined = { kind: 'business', name: company, number: 'x' };
    const names = namesWith({ get: async () => data }, verifiedWallet);
    expect(await names.shown('shop', '赞******')).toBe(company);
    data = undefined; // shredded
    names.forget('shop');
    expect(await names.shown('shop', '赞******')).toBe('赞******');
    expect(await names.shown('shop', company)).toBe('赞******'); // a v1 card's clear name, masked
    expect(await names.shown('shop', 'shop')).toBe('shop'); // no verified name was kept: the id
  });

  it('never shows a name the verification did not accept: pending or rejected, it is masked', async () => {
    for (const status of ['pending', 'rejected']) {
      const wallet = async () => ({ state: { verification: { status, kind: 'business', nameHash: keyedHash(keys.hashKey, 'name', company) } } });
      const names = namesWith({ get: async () => ({ kind: 'business', name: company, number: 'x' }) }, wallet);
      expect(await names.shown('shop', '赞******')).toBe('赞******');
    }
  });

  it('answers a card while the event store cannot be reached: a name read before, else the masked form', async () => {
    let down = false;
    const names = namesWith({ get: async () => ({ kind: 'business', name: company, number: 'x' }) }, async () => {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return verifiedWallet();
    });
    down = true;
    expect(await names.shown('cafe', '赞******')).toBe('赞******');
    down = false;
    expect(await names.shown('shop', '赞******')).toBe(company);
  });
});
