import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo } from '../core/cli-io';
import { EXIT } from '../core/exit-codes';
import { fen, money, toJson } from '../core/format';
import { parseDurationOption, parseIntOption } from '../core/options';
import { Progress, formatCount } from '../core/progress';
import { WithJson } from '../core/shared-options';
import { audit, type AuditResult } from './audit';
import type { Difference } from './compare';
import type { MerchantPayments } from './merchant-payments';

/**
 * A credit normally follows its debit within milliseconds (the credits process manager reacts as the
 * event is stored); two minutes covers a leader failover and a backlog, and is short enough that
 * lost credits show up while the incident is still on.
 */
const DEFAULT_GRACE_SECONDS = 120;

interface AuditFlags {
  readModels: boolean;
  grace?: number;
  show?: number;
  json?: boolean;
}

@Command({
  name: 'audit',
  description: 'Recompute every balance and the money equation from the events, compare with the Redis read models; exit 1 on any finding',
})
export class AuditCommand extends WithJson(CommandRunner, 'the report as JSON on stdout') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: AuditFlags): Promise<void> {
    const config = this.backends.config();
    const compare = flags.readModels !== false && config.redis !== undefined;
    const store = await this.backends.eventStore();
    const readModels = compare ? (await this.backends.readModels()).store : undefined;
    const head = (await store.headPosition()) ?? 0n;
    const progress = new Progress(this.io, 'audit', undefined, head);
    let result: AuditResult;
    try {
      result = await audit(store, {
        readModels,
        graceMs: (flags.grace ?? DEFAULT_GRACE_SECONDS) * 1000,
        signal: this.io.signal,
        progress: (position, events) => progress.update(position, events),
      });
    } finally {
      progress.stop();
    }
    if (result.interrupted) {
      this.io.stderr.write('zan: audit interrupted, nothing concluded\n');
      this.io.exitCode = EXIT.interrupted;
      return;
    }
    const clean = result.ledger.findingCount === 0 && result.differences.length === 0;
    const readModelsNote = compare
      ? `redis, prefix ${config.redis!.prefix}`
      : config.redis
        ? 'not compared (--no-read-models)'
        : 'not compared (REDIS_URL unset: the embedded read models live in the app process)';
    this.io.stdout.write(flags.json ? `${toJson(this.asJson(result, clean, readModelsNote))}\n` : this.report(result, clean, readModelsNote, flags.show ?? 20));
    if (!clean) this.io.exitCode = EXIT.findings;
  }

  private report(result: AuditResult, clean: boolean, readModelsNote: string, show: number): string {
    const { ledger } = result;
    const c = ledger.conservation();
    const inFlight = ledger.inFlight();
    const lines = [
      `Zan audit of ${this.backends.describeEventStore()}`,
      `  events        ${formatCount(ledger.events)} up to position ${result.head ?? '(empty store)'}`,
      `  wallets       ${formatCount(ledger.wallets.size)}; red packets ${formatCount(ledger.packets.size)}; payments ${formatCount(ledger.pairs.debits)} (${formatCount(ledger.pairs.credited)} credited, ${formatCount(inFlight.count)} in flight)`,
      `  orders        ${formatCount(ledger.commerce.orders.count)} paid, ${money(ledger.commerce.orders.paid)}; ${formatCount(ledger.commerce.orders.refunds)} refunds, ${money(ledger.commerce.orders.refunded)}`,
      merchantPaymentsLine(ledger.merchantPayments),
      '',
      'Money (docs/contract.md, conservation)',
      `  balances                 ${money(c.balances)}`,
      `+ held by red packets      ${money(c.held)}`,
      `+ held for group buys      ${money(c.heldByGroupBuys)}`,
      `+ in flight                ${money(c.inFlight)}`,
      `= ${money(c.left)}`,
      `  fundings - withdrawals   ${money(c.fundings)} - ${fen(c.withdrawals)} = ${money(c.right)}`,
      `  ${c.holds ? 'holds' : `DOES NOT HOLD (off by ${fen(c.left - c.right)} fen)`}`,
      '',
      `Read models: ${readModelsNote}`,
    ];
    if (result.comparedAt !== undefined) {
      const n = result.compared;
      lines.push(
        `  compared at watermark ${result.comparedAt}: ${formatCount(n.wallets)} wallets, ${formatCount(n.authors)} authors' earnings, ${formatCount(n.packets)} red packets, the leaderboard`,
      );
      lines.push(`  ${result.differences.length === 0 ? 'no differences' : `${formatCount(result.differences.length)} differences`}`);
    }
    if (ledger.findingCount > 0) {
      lines.push('', `Findings in the events (${formatCount(ledger.findingCount)}${ledger.findingCount > show ? `, first ${show}` : ''}):`);
      for (const finding of ledger.findings.slice(0, show)) lines.push(`  ${finding.kind}: ${finding.message}`);
    }
    if (result.differences.length > 0) {
      lines.push(
        '',
        `Read models differ from the events (${formatCount(result.differences.length)}${result.differences.length > show ? `, first ${show}` : ''}):`,
      );
      for (const d of result.differences.slice(0, show)) lines.push(`  ${describeDifference(d)}`);
    }
    lines.push(
      '',
      clean ? 'CLEAN' : `FINDINGS: ${formatCount(ledger.findingCount)} in the events, ${formatCount(result.differences.length)} in the read models`,
    );
    return `${lines.join('\n')}\n`;
  }

  private asJson(result: AuditResult, clean: boolean, readModels: string) {
    const { ledger } = result;
    return {
      clean,
      eventStore: this.backends.describeEventStore(),
      head: result.head,
      events: ledger.events,
      wallets: ledger.wallets.size,
      redPackets: ledger.packets.size,
      payments: { ...ledger.pairs, inFlight: ledger.inFlight().count },
      orders: { ...ledger.commerce.orders },
      merchantPayments: { debited: ledger.merchantPayments.debited, credited: ledger.merchantPayments.credited, returned: ledger.merchantPayments.returned },
      conservation: ledger.conservation(),
      readModels: { note: readModels, comparedAt: result.comparedAt, compared: result.compared, differences: result.differences },
      findings: { count: ledger.findingCount, first: ledger.findings },
    };
  }

  @Option({ flags: '--no-read-models', description: 'check the events only, do not compare with Redis' })
  parseNoReadModels(): boolean {
    return false;
  }

  @Option({
    flags: '--grace <duration>',
    description: 'a debit that occurred less than this long ago with no credit stored yet is in flight; older, it is a missing-credit finding (default 2m)',
  })
  parseGrace(value: string): number {
    return parseDurationOption(value);
  }

  @Option({ flags: '--show <n>', description: 'how many findings and differences to print (default 20)' })
  parseShow(value: string): number {
    return parseIntOption(1, 100_000)(value);
  }

  @Help('after')
  examples(): string {
    return `
Checks: every balance never below zero; every debit credited exactly once (transfer, tip, escrow,
red-packet share, refund, order paid, order refund, group-buy hold paid or returned) with the same amount; red packets never pay out
more than they hold; no product's stock ever negative; an order's refunds never more than it paid;
sum(balances) + held by red packets + held for group buys + in flight = fundings - withdrawals; and, with REDIS_URL, every
wallet, author's earnings, red packet and the leaderboard top 20 as the read models answer them.
Run it when the system is quiet; differences are read again while the read models catch up.
Exit 0 clean, 1 findings.

Examples:
  zan audit
  zan audit --json > audit.json || echo "audit found differences"
  zan audit --no-read-models --grace 1h`;
  }
}

const describeDifference = (d: Difference): string => {
  const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));
  if (d.model === 'watermark') {
    return d.id === 'ahead'
      ? `watermark: the read models are at position ${String(d.actual)}, past the event store head ${String(d.expected)} (another deployment's read models?)`
      : `watermark: the read models stay at position ${String(d.actual)}, behind the event store head ${String(d.expected)}`;
  }
  if (d.model === 'wallet') {
    const e = d.expected as { balance?: number } | undefined;
    const a = d.actual as { balance?: number } | undefined;
    if (e && a && e.balance !== a.balance) return `wallet ${d.id}: balance ${fen(a.balance!)} fen in the read model, ${fen(e.balance!)} from the events`;
  }
  return `${d.model} ${d.id}: read model ${show(d.actual)}, events ${show(d.expected)}`;
};

/** Payments by code: what payers were debited = what merchants were credited + what went back to payers + in flight. */
const merchantPaymentsLine = (p: MerchantPayments): string =>
  `  by code       ${formatCount(p.debited.count)} debited (${fen(p.debited.amount)} fen) = ${formatCount(p.credited.count)} credited to merchants (${fen(p.credited.amount)} fen) + ${formatCount(p.returned.count)} returned to payers (${fen(p.returned.amount)} fen) + in flight`;
