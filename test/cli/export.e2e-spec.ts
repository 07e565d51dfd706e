import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { STREAM_CATEGORIES } from '@zan/contracts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventToJson, type StoredEvent } from '@zan/contracts';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { STACK_LINE, cliStack, type CliStack } from './cli-harness';

jest.setTimeout(60_000);

/** RFC 4180, enough for the export: quoted fields with doubled quotes, CRLF rows. */
const parseCsv = (text: string): Record<string, string>[] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])));
};

describe('zan events export (PostgreSQL)', () => {
  let stack: CliStack;
  let all: StoredEvent[];
  let packetId = '';

  beforeAll(async () => {
    stack = cliStack('cli-export');
    const store = await stack.eventStore();
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').open('bob').open('carol').open('shop', 'business');
    h.fund('alice', 100_000).fund('bob', 50_000);
    h.tip('alice', 'bob', 'why-zan', 888).tip('alice', 'bob', 'red-packets-explained', 1_000);
    h.advance(86_400_000); // 2026-01-02
    h.transfer('bob', 'carol', 300, { credit: true });
    h.redPacket(
      'alice',
      1_000,
      3,
      [
        ['bob', 412],
        ['carol', 300],
      ],
      { expire: true, recipients: ['bob', 'carol'], onId: (id) => (packetId = id) },
    );
    h.advance(86_400_000); // 2026-01-03
    h.withdraw('bob', 2_000).transfer('shop', 'alice', 1, { credit: true });
    await stack.append(h);
    all = await store.readAll();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const ndjson = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const ids = (events: readonly object[]) => events.map((e) => (e as { id: unknown }).id);
  const exportBoth = async (flags: string[]) => {
    const json = await stack.zan(['events', 'export', ...flags]);
    const csv = await stack.zan(['events', 'export', '--format', 'csv', ...flags]);
    expect(json.code).toBe(0);
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.stdout);
    const lines = ndjson(json.stdout);
    // The CSV says what the NDJSON says, column by column.
    expect(rows.map((r) => r.id)).toEqual(ids(lines));
    for (const [i, row] of rows.entries()) {
      const line = lines[i] as { position: string; type: string; streamId: string; revision: number; data: { amount?: number }; metadata: { userId: string } };
      expect(row).toMatchObject({
        position: line.position,
        type: line.type,
        streamId: line.streamId,
        revision: String(line.revision),
        userId: line.metadata.userId,
      });
      expect(JSON.parse(row.data)).toEqual(line.data);
      expect(row.amount).toBe(line.data.amount === undefined ? '' : String(line.data.amount));
      expect({ wallet: row.wallet, delta: row.delta }).toEqual({
        wallet: (line as { wallet?: string }).wallet ?? '',
        delta: String((line as { delta?: number }).delta),
      });
    }
    return lines;
  };

  it('writes every event by default, in global order, as the contract shapes it', async () => {
    const lines = await exportBoth([]);
    expect(lines.map(({ wallet: _w, delta: _d, ...event }) => event)).toEqual(all.map((e) => JSON.parse(JSON.stringify(eventToJson(e)))));
    expect(lines.length).toBe(27);
  });

  it("gives each row its wallet and a signed delta: summed per wallet, the balances (not the payer's name, not twice the money)", async () => {
    const lines = await exportBoth([]);
    const sums = new Map<string, number>();
    for (const line of lines as { wallet: string | null; delta: number }[]) {
      if (line.wallet !== null) sums.set(line.wallet, (sums.get(line.wallet) ?? 0) + line.delta);
    }
    // By hand from the history above: tips 888 + 1000, transfer 300, packet 1000 (412 + 300 claimed, 288 back).
    const expected = { alice: 100_000 - 888 - 1_000 - 1_000 + 288 + 1, bob: 50_000 + 888 + 1_000 - 300 + 412 - 2_000, carol: 300 + 300, shop: -1 };
    expect(Object.fromEntries(sums)).toEqual(expected);
    for (const user of ['alice', 'bob', 'carol']) {
      const balance = await stack.zan(['balance', user, '--json']);
      expect(JSON.parse(balance.stdout)).toMatchObject({ balance: expected[user as keyof typeof expected] });
    }
    const credit = lines.find((l) => l.type === 'TipReceived') as { wallet: string; delta: number; metadata: { userId: string } };
    expect({ wallet: credit.wallet, delta: credit.delta, actor: credit.metadata.userId }).toEqual({ wallet: 'bob', delta: 888, actor: 'alice' });
    expect(lines.filter((l) => String(l.streamId).startsWith('red-packet-')).every((l) => l.wallet === null && l.delta === 0)).toBe(true);
  });

  it('filters by stream, read by revision for one stream and by scan for several', async () => {
    expect(ids(await exportBoth(['--stream', 'wallet-carol']))).toEqual(ids(all.filter((e) => e.streamId === 'wallet-carol')));
    const two = await exportBoth(['--stream', 'wallet-carol', '--stream', `red-packet-${packetId}`]);
    expect(ids(two)).toEqual(ids(all.filter((e) => e.streamId === 'wallet-carol' || e.streamId === `red-packet-${packetId}`)));
    expect(await exportBoth(['--stream', 'wallet-nobody'])).toEqual([]);
  });

  it('filters by category (stream prefix) and by type (repeatable)', async () => {
    const packets = await exportBoth(['--category', 'red-packet']);
    expect(packets.map((e) => e.type)).toEqual(['RedPacketEscrowed', 'RedPacketClaimed', 'RedPacketClaimed', 'RedPacketExpired']);
    const tips = await exportBoth(['--type', 'TipPraised', '--type', 'TipReceived']);
    expect(tips.map((e) => e.type)).toEqual(['TipPraised', 'TipReceived', 'TipPraised', 'TipReceived']);
    expect(ids(await exportBoth(['--type', 'TipPraised,TipReceived']))).toEqual(ids(tips));
  });

  it('filters by user: who acted, and every user the payload names', async () => {
    const carol = await exportBoth(['--user', 'carol']);
    expect(carol.map((e) => `${String(e.type)}@${String(e.streamId)}`)).toEqual([
      'WalletOpened@wallet-carol',
      'BankCardLinked@wallet-carol',
      'FundsTransferred@wallet-bob', // toUserId
      'TransferReceived@wallet-carol',
      'RedPacketSent@wallet-alice', // recipients
      `RedPacketEscrowed@red-packet-${packetId}`,
      `RedPacketClaimed@red-packet-${packetId}`, // metadata.userId and data.userId
      'RedPacketShareReceived@wallet-carol',
    ]);
    const shop = await exportBoth(['--user', 'shop']);
    expect(shop.map((e) => e.type)).toEqual(['WalletOpened', 'BankCardLinked', 'FundsTransferred', 'TransferReceived']);
  });

  it('filters by time (from inclusive, to exclusive) and by position (after exclusive, until inclusive)', async () => {
    const day2 = await exportBoth(['--from', '2026-01-02', '--to', '2026-01-03T00:00:00Z']);
    expect(ids(day2)).toEqual(ids(all.filter((e) => e.occurredAt.startsWith('2026-01-02'))));
    expect(day2.length).toBe(10);
    const exact = all[5].occurredAt;
    expect(ids(await exportBoth(['--from', exact, '--to', all[7].occurredAt]))).toEqual(ids(all.slice(5, 7)));

    const range = await exportBoth(['--after', all[3].position.toString(), '--until', all[9].position.toString()]);
    expect(ids(range)).toEqual(ids(all.slice(4, 10)));
    expect(ids(await exportBoth(['--after', all[25].position.toString()]))).toEqual([all[26].id]);
  });

  it('combines filters with AND, stops at --limit, and reads in pages of any size', async () => {
    const both = await exportBoth(['--user', 'bob', '--type', 'TipReceived', '--from', '2026-01-01']);
    expect(both.map((e) => e.streamId)).toEqual(['wallet-bob', 'wallet-bob']);
    expect(ids(await exportBoth(['--limit', '3']))).toEqual(ids(all.slice(0, 3)));
    expect(ids(await exportBoth(['--page-size', '1', '--category', 'wallet']))).toEqual(ids(all.filter((e) => e.streamId.startsWith('wallet-'))));
  });

  it('writes a file only when complete (no .partial left), the same bytes as stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zan-export-'));
    try {
      const run = await stack.zan(['events', 'export', '--format', 'csv', '--out', 'tips.csv', '--type', 'TipPraised'], { cwd: dir });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/exported 2 of 27 events \(csv\) to .*tips\.csv/);
      expect(readdirSync(dir)).toEqual(['tips.csv']);
      const viaStdout = await stack.zan(['events', 'export', '--format', 'csv', '--type', 'TipPraised']);
      expect(readFileSync(join(dir, 'tips.csv'), 'utf8')).toBe(viaStdout.stdout);
      expect(parseCsv(viaStdout.stdout).map((r) => r.amount)).toEqual(['888', '1000']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad flags with exit 2 and one line, without a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'xml'], /argument 'xml' is invalid\. allowed: ndjson, csv/],
      [['--after', '-1'], /'--after <position>' argument '-1' is invalid/],
      [['--from', '2026-01-01T10:00'], /ISO 8601 time with a zone/],
      [['--type', 'TipPrased'], /unknown event type TipPrased/],
      [['--limit', '0'], /'--limit <n>' argument '0' is invalid/],
      [['--bogus'], /unknown option '--bogus'/],
      [['--from', '2026-01-02', '--to', '2026-01-01'], /--from must be before --to/],
      // v1 answered 0 events and exit 0: tip is a kind of event, not a stream category.
      [['--category', 'tip'], new RegExp(`unknown stream category tip \\(stream categories: ${STREAM_CATEGORIES.join(', ')}; for kinds of event use --type`)],
    ];
    for (const [flags, message] of cases) {
      const run = await stack.zan(['events', 'export', ...flags]);
      expect({ flags, code: run.code }).toEqual({ flags, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stdout).toBe('');
    }
  });

  it('says the event store is unreachable with exit 3', async () => {
    const run = await stack.zan(['events', 'export'], { env: { ZAN_EVENT_STORE: 'postgres://postgres@127.0.0.1:1/test' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^zan: cannot reach the event store \(postgres postgres:\/\/postgres@127\.0\.0\.1:1\/test, schema .*\): connect ECONNREFUSED/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});
