import type { Bucket, Luck, MerchantSales, Money, Ranked, Series, Throughput } from './api';
import { PALETTE, draw } from './charts';
import { count, label, yuan, yuanValue } from './format';

const sum = (buckets: Bucket[], field: keyof Omit<Bucket, 'at'>): number => buckets.reduce((total, b) => total + b[field], 0);

/** Fills <dl data-totals=name> with term/figure pairs; each figure carries data-total=<key>. */
const totals = (name: string, entries: [key: string, term: string, figure: string][]): void => {
  const list = document.querySelector(`[data-totals="${name}"]`)!;
  list.replaceChildren(
    ...entries.map(([key, term, figure]) => {
      const row = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = term;
      dd.textContent = figure;
      dd.dataset.total = key;
      row.append(dt, dd);
      return row;
    }),
  );
};

const praise = (buckets: Bucket[], id: string): void => {
  const tipAmount = sum(buckets, 'tipAmount');
  draw(id, {
    labels: buckets.map((b) => label(b.at)),
    datasets: [
      { type: 'bar', label: 'Tips (yuan)', data: buckets.map((b) => yuanValue(b.tipAmount)), backgroundColor: PALETTE.orange, yAxisID: 'y' },
      { type: 'line', label: 'Tips (count)', data: buckets.map((b) => b.tips), borderColor: PALETTE.blue, backgroundColor: PALETTE.blue, yAxisID: 'y2' },
      {
        type: 'line',
        label: 'Likes (count)',
        data: buckets.map((b) => b.likes),
        borderColor: PALETTE.purple,
        backgroundColor: PALETTE.purple,
        borderDash: [6, 4],
        yAxisID: 'y2',
      },
    ],
    summary: `${count(sum(buckets, 'tips'))} tips worth ${yuan(tipAmount)} and ${count(sum(buckets, 'likes'))} likes`,
    check: String(tipAmount),
    y: 'yuan',
    y2: 'count',
    money: (value) => yuan(Math.round(value * 100)),
  });
};

const asYuan = (value: number): string => yuan(Math.round(value * 100));

/** Merchants' sales (paid orders, group-buy orders, payments by code) against refunds, per day and hour, and the top merchants. */
const merchants = (sales: MerchantSales, hours: Bucket[]): void => {
  const { totals: t, days } = sales;
  totals('sales', [
    ['orders', 'Orders', count(t.orders)],
    ['orderAmount', 'Orders paid', yuan(t.orderAmount)],
    ['groupBuyOrders', 'Group-buy orders', count(t.groupBuyOrders)],
    ['groupBuyAmount', 'Group buys paid', yuan(t.groupBuyAmount)],
    ['codePayments', 'Payments by code', count(t.codePayments)],
    ['codePaymentAmount', 'Paid by code', yuan(t.codePaymentAmount)],
    ['gross', 'Sales', yuan(t.gross)],
    ['refunds', 'Refunds', count(t.refunds)],
    ['refundAmount', 'Refunded', yuan(t.refundAmount)],
    ['net', 'Net sales', yuan(t.net)],
  ]);
  draw('chart-sales', {
    labels: days.map((d) => label(d.day)),
    datasets: [
      { type: 'bar', label: 'Orders (yuan)', data: days.map((d) => yuanValue(d.orderAmount)), backgroundColor: PALETTE.blue, stack: 'sales' },
      { type: 'bar', label: 'Group buys (yuan)', data: days.map((d) => yuanValue(d.groupBuyAmount)), backgroundColor: PALETTE.sky, stack: 'sales' },
      { type: 'bar', label: 'Paid by code (yuan)', data: days.map((d) => yuanValue(d.codePaymentAmount)), backgroundColor: PALETTE.green, stack: 'sales' },
      { type: 'bar', label: 'Refunds (yuan)', data: days.map((d) => yuanValue(d.refundAmount)), backgroundColor: PALETTE.vermillion, stack: 'refunds' },
      {
        type: 'line',
        label: 'Net sales (yuan)',
        data: days.map((d) => yuanValue(d.net)),
        borderColor: PALETTE.black,
        backgroundColor: PALETTE.black,
        borderDash: [6, 4],
        stack: 'net',
      },
    ],
    summary: `${yuan(t.gross)} sold (${yuan(t.orderAmount)} in orders, ${yuan(t.groupBuyAmount)} in group buys, ${yuan(t.codePaymentAmount)} by code), ${yuan(t.refundAmount)} refunded, ${yuan(t.net)} net`,
    check: `${t.gross}/${t.refundAmount}/${t.net}`,
    y: 'yuan',
    money: asYuan,
    stacked: true,
  });
  const sold = (b: Bucket) => b.orderAmount + b.groupBuyAmount + b.codePaymentAmount;
  const hourlyGross = hours.reduce((total, b) => total + sold(b), 0);
  const hourlyRefunds = sum(hours, 'refundAmount');
  draw('chart-sales-hour', {
    labels: hours.map((b) => label(b.at)),
    datasets: [
      { type: 'bar', label: 'Sales (yuan)', data: hours.map((b) => yuanValue(sold(b))), backgroundColor: PALETTE.blue },
      { type: 'bar', label: 'Refunds (yuan)', data: hours.map((b) => yuanValue(b.refundAmount)), backgroundColor: PALETTE.vermillion },
    ],
    summary: `${yuan(hourlyGross)} sold and ${yuan(hourlyRefunds)} refunded, hour by hour`,
    check: `${hourlyGross}/${hourlyRefunds}`,
    y: 'yuan',
    money: asYuan,
  });
  const top = sales.topMerchants;
  draw('chart-merchants', {
    labels: top.map((m) => m.merchantId),
    datasets: [{ type: 'bar', label: 'Net sales (yuan)', data: top.map((m) => yuanValue(m.net)), backgroundColor: PALETTE.orange }],
    summary: top.length === 0 ? 'No merchant sold in this range' : top.map((m) => `${m.merchantId}: ${yuan(m.net)}`).join('; '),
    check: top.map((m) => `${m.merchantId}=${m.net}`).join(','),
    horizontal: true,
    money: asYuan,
  });
};

export const renderRange = (daily: Series, hourly: Series, authors: Ranked, articles: Ranked, luck: Luck, sales: MerchantSales): void => {
  const days = daily.buckets;
  totals('praise', [
    ['tips', 'Tips', count(sum(days, 'tips'))],
    ['tipAmount', 'Tipped', yuan(sum(days, 'tipAmount'))],
    ['likes', 'Likes', count(sum(days, 'likes'))],
    ['unlikes', 'Likes taken back', count(sum(days, 'unlikes'))],
  ]);
  praise(days, 'chart-praise-day');
  praise(hourly.buckets, 'chart-praise-hour');

  const funded = sum(days, 'fundingAmount');
  const withdrawn = sum(days, 'withdrawalAmount');
  totals('money', [
    ['fundings', 'Fundings', count(sum(days, 'fundings'))],
    ['fundingAmount', 'Funded', yuan(funded)],
    ['withdrawals', 'Withdrawals', count(sum(days, 'withdrawals'))],
    ['withdrawalAmount', 'Withdrawn', yuan(withdrawn)],
    ['redPacketAmount', 'Sent in red packets', yuan(sum(days, 'redPacketAmount'))],
  ]);
  draw('chart-money', {
    labels: days.map((b) => label(b.at)),
    datasets: [
      { type: 'bar', label: 'Fundings (yuan)', data: days.map((b) => yuanValue(b.fundingAmount)), backgroundColor: PALETTE.green },
      { type: 'bar', label: 'Withdrawals (yuan)', data: days.map((b) => yuanValue(b.withdrawalAmount)), backgroundColor: PALETTE.vermillion },
    ],
    summary: `${yuan(funded)} funded and ${yuan(withdrawn)} withdrawn`,
    check: `${funded}/${withdrawn}`,
    y: 'yuan',
    money: (value) => yuan(Math.round(value * 100)),
  });

  for (const [id, ranked, name] of [
    ['chart-authors', authors, 'author'],
    ['chart-articles', articles, 'article'],
  ] as const) {
    const items = ranked.items;
    draw(id, {
      labels: items.map((i) => i.title ?? i.articleId ?? i.authorId ?? ''),
      datasets: [
        {
          type: 'bar',
          label: 'Tips received (yuan)',
          data: items.map((i) => yuanValue(i.amount)),
          backgroundColor: name === 'author' ? PALETTE.blue : PALETTE.sky,
        },
      ],
      summary:
        items.length === 0 ? `No ${name} was tipped in this range` : items.map((i) => `${i.title ?? i.articleId ?? i.authorId}: ${yuan(i.amount)}`).join('; '),
      check: items.map((i) => `${i.articleId ?? i.authorId}=${i.amount}`).join(','),
      horizontal: true,
      money: (value) => yuan(Math.round(value * 100)),
    });
  }

  merchants(sales, hourly.buckets);

  totals('luck', [
    ['claims', 'Shares claimed', count(luck.claims)],
    ['bestLuck', 'Best luck', luck.best[0] ? `${luck.best[0].luck.toFixed(3)}× (${luck.best[0].userId}, ${yuan(luck.best[0].amount)})` : '—'],
  ]);
  draw('chart-luck', {
    labels: luck.histogram.map((b) => (b.to === null ? `≥ ${b.from.toFixed(1)}` : `${b.from.toFixed(1)}–${b.to.toFixed(1)}`)),
    datasets: [{ type: 'bar', label: 'Claims', data: luck.histogram.map((b) => b.claims), backgroundColor: PALETTE.purple }],
    summary: `${count(luck.claims)} claims by luck, a tenth per bar`,
    check: String(luck.claims),
    y: 'claims',
  });
  const best = document.getElementById('best-luck')!;
  best.replaceChildren(
    ...luck.best.map((c) => {
      const item = document.createElement('li');
      item.textContent = `${c.luck.toFixed(3)}×: ${c.userId} drew ${yuan(c.amount)} on ${c.day}`;
      return item;
    }),
  );
};

const setFigure = (name: string, text: string): void => {
  document.querySelector(`[data-figure="${name}"]`)!.textContent = text;
};

export const renderLive = (money: Money, traffic: Throughput): void => {
  for (const key of ['balances', 'held', 'inFlight', 'holdings', 'fundings', 'withdrawals', 'netInflow', 'difference'] as const)
    setFigure(key, yuan(money[key]));
  const verdict = document.querySelector('[data-figure="verdict"]')!;
  verdict.textContent = money.difference === 0 ? '✓ adds up' : '✗ does not add up';
  verdict.className = money.difference === 0 ? 'verdict-ok' : 'verdict-bad';

  totals('traffic', [
    ['events', 'Events', count(traffic.events)],
    ['perSecond', 'Per second', traffic.perSecond.toFixed(2)],
    ['behindEvents', 'Read models behind by', `${count(traffic.lag.behindEvents)} events`],
    ['behindSeconds', 'Projection lag', `${traffic.lag.behindSeconds.toFixed(1)} s`],
  ]);
  draw('chart-traffic', {
    labels: traffic.minutes.map((m) => label(m.at)),
    datasets: [
      { type: 'line', label: 'Events per minute', data: traffic.minutes.map((m) => m.events), borderColor: PALETTE.blue, backgroundColor: PALETTE.blue },
    ],
    summary: `${count(traffic.events)} events in the last hour; projection lag ${traffic.lag.behindSeconds.toFixed(1)} s`,
    check: String(traffic.events),
    y: 'events',
  });
};
