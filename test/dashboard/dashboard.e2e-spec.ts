import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ManualClock } from '@zan/platform';
import { findDashboardDir } from '../../apps/api/src/http/dashboard-page';
import { clientFor } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';
import { launchChromium } from './browser';
import { HISTORY_DAYS, seedHistory } from './dashboard-history';

/** The README's picture when ZAN_SCREENSHOT=1 (kept out of docs/ otherwise, so a test run changes no tracked file). */
const SCREENSHOT = process.env.ZAN_SCREENSHOT === '1' ? join(__dirname, '../../docs/dashboard.png') : join(__dirname, '../../.test-results/dashboard.png');

/**
 * The dashboard in a real browser (Debian's Chromium, headless) against Zan on the embedded store:
 * sign in, the empty state of a fresh store, every chart over a known history, a range change, and a
 * tip made over the API showing up. The page is what `npm run build` put in dist/dashboard.
 */
describe('dashboard in Chromium (embedded)', () => {
  let zan: RunningZan;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let base: string;
  const clock = new ManualClock(new Date('2026-11-30T01:00:00.000Z'));
  const pageErrors: string[] = [];
  const adminToken = tokenFor('ops', TEST_JWT_SECRET, { roles: ['admin'] });

  const total = (key: string) => page.locator(`[data-total="${key}"]`).first().textContent();
  const figure = (key: string) => page.locator(`[data-figure="${key}"]`).textContent();
  const check = (chart: string) => page.locator(`#${chart}`).getAttribute('data-check');
  const showRange = async (from: string, to: string) => {
    await page.fill('#from', from);
    await page.fill('#to', to);
    await page.click('#range button[type="submit"]');
    await page.waitForSelector(`main[data-loaded="${from}/${to}"]`);
  };

  beforeAll(async () => {
    if (!findDashboardDir()) throw new Error('dist/dashboard is missing: run `npm run build` (npm test builds it before the specs)');
    zan = await startEmbeddedZan({ clock });
    const server = zan.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await zan?.close();
  }, 60_000);

  it('refuses a wrong or non-admin token, signs in with the keyboard and explains a fresh store', async () => {
    await page.goto(`${base}/dashboard/`);
    await page.fill('#token', 'not-a-token');
    await page.keyboard.press('Enter');
    await page.locator('#sign-in-error', { hasText: 'That token was refused' }).waitFor();
    await page.fill('#token', tokenFor('alice', TEST_JWT_SECRET));
    await page.keyboard.press('Enter');
    await page.locator('#sign-in-error', { hasText: 'not an admin token' }).waitFor();
    expect(await page.locator('main').isHidden()).toBe(true);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.fill('#token', '');
    await page.focus('#token');
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-loaded]');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['zan.dashboard.token']);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.locator('#empty', { hasText: 'no money in it yet' }).waitFor();
    expect(await figure('difference')).toBe('¥0.00');
  });

  it('shows every chart with the totals of a known history, and another range', async () => {
    await seedHistory(zan.app, clock);
    await showRange(HISTORY_DAYS[0], HISTORY_DAYS[1]);
    expect(await page.locator('#empty').isHidden()).toBe(true);
    expect(await total('tips')).toBe('3');
    expect(await total('tipAmount')).toBe('¥26.88');
    expect(await total('likes')).toBe('2');
    expect(await total('fundingAmount')).toBe('¥1,510.00');
    expect(await total('withdrawalAmount')).toBe('¥50.00');
    expect(await total('redPacketAmount')).toBe('¥10.00');
    expect(await total('claims')).toBe('2');
    expect(await total('bestLuck')).toMatch(/^\d\.\d{3}× \((bob|dave), ¥\d+\.\d\d\)$/);

    expect(await check('chart-praise-day')).toBe('2688');
    expect(await check('chart-praise-hour')).toBe('2688');
    expect(await check('chart-money')).toBe('151000/5000');
    expect(await check('chart-authors')).toBe('bob=2088,carol=600');
    expect(await check('chart-articles')).toBe('bob-1=2088,carol-1=600');
    expect(await check('chart-luck')).toBe('2');
    // Merchants: ¥63.50 sold (¥30 in an order, ¥24 in group buys, ¥9.50 by code), ¥5 refunded, ¥58.50 net.
    expect(await total('gross')).toBe('¥63.50');
    expect(await total('orderAmount')).toBe('¥30.00');
    expect(await total('groupBuyAmount')).toBe('¥24.00');
    expect(await total('codePaymentAmount')).toBe('¥9.50');
    expect(await total('refundAmount')).toBe('¥5.00');
    expect(await total('net')).toBe('¥58.50');
    expect(await check('chart-sales')).toBe('6350/500/5850');
    expect(await check('chart-sales-hour')).toBe('6350/500');
    expect(await check('chart-merchants')).toBe('shop=5550,kiosk=300');
    expect(await page.locator('#chart-sales').getAttribute('aria-label')).toMatch(/¥63\.50 sold .* ¥5\.00 refunded, ¥58\.50 net/);
    expect(Number(await check('chart-traffic'))).toBeGreaterThan(0);
    for (const id of [
      'chart-praise-day',
      'chart-praise-hour',
      'chart-money',
      'chart-sales',
      'chart-sales-hour',
      'chart-merchants',
      'chart-authors',
      'chart-articles',
      'chart-luck',
      'chart-traffic',
    ]) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect({ id, drawn: (box?.width ?? 0) > 100 && (box?.height ?? 0) > 100 }).toEqual({ id, drawn: true });
    }
    expect(await figure('netInflow')).toBe('¥1,460.00');
    expect(await figure('holdings')).toBe('¥1,460.00');
    expect(await figure('difference')).toBe('¥0.00');
    expect(await figure('verdict')).toMatch(/adds up/);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await showRange('2026-12-01', '2026-12-01');
    expect(await total('tipAmount')).toBe('¥18.00');
    expect(await check('chart-authors')).toBe('bob=1200,carol=600');
    expect(await total('fundingAmount')).toBe('¥0.00');
    // The second day alone: the payments by code and the refund of the first day's order.
    expect(await check('chart-sales')).toBe('950/500/450');
    expect(await check('chart-merchants')).toBe('kiosk=300,shop=150');

    await showRange('2026-11-01', '2026-11-02');
    await expect(page.locator('#empty').textContent()).resolves.toMatch(/Nothing happened between 2026-11-01 and 2026-11-02/);
  });

  it('shows a tip made over the API on its own (the page refreshes)', async () => {
    await showRange(HISTORY_DAYS[0], HISTORY_DAYS[1]);
    await clientFor(zan.app, 'carol').post('/v1/tips', { authorId: 'bob', articleId: 'bob-1', amount: 700 }).expect(201);
    await page.locator('[data-total="tipAmount"]', { hasText: /^¥33\.88$/ }).waitFor({ timeout: 15_000 });
    expect(await total('tips')).toBe('4');
    expect(await check('chart-authors')).toBe('bob=2788,carol=600');
  });

  it('signs out and forgets the token; no script error on the way', async () => {
    await page.click('#sign-out');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
