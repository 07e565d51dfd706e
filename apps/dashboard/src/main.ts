import { ApiRefused, forgetToken, getJson, loadLive, loadRange, saveToken, savedToken, type Series } from './api';
import { destroyAll } from './charts';
import { addDays, beijingToday, yuan } from './format';
import { renderLive, renderRange } from './render';

/** Everything refreshes this often, so new praise shows without a reload. */
const REFRESH_MS = 5_000;
const MAX_DAYS = 31;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const signIn = byId<HTMLFormElement>('sign-in');
const main = byId<HTMLElement>('main');
const rangeForm = byId<HTMLFormElement>('range');
const fromInput = byId<HTMLInputElement>('from');
const toInput = byId<HTMLInputElement>('to');
const status = byId<HTMLParagraphElement>('status');
const empty = byId<HTMLParagraphElement>('empty');
const signOut = byId<HTMLButtonElement>('sign-out');

let timer: number | undefined;
/** Each refresh's number: an answer to an older one (a range since changed) is dropped. */
let latest = 0;

const showSignIn = (message = ''): void => {
  window.clearInterval(timer);
  destroyAll();
  main.hidden = true;
  signOut.hidden = true;
  signIn.hidden = false;
  byId('sign-in-error').textContent = message;
  byId<HTMLInputElement>('token').focus();
};

const setRange = (days: number): void => {
  const to = beijingToday();
  toInput.value = to;
  fromInput.value = addDays(to, -(days - 1));
};

/** Explains an empty page: a fresh Zan, or a quiet range. */
const explainEmpty = (daily: Series, everFunded: boolean): void => {
  const events = daily.buckets.reduce((total, b) => total + b.events, 0);
  empty.hidden = events > 0;
  empty.textContent = everFunded
    ? `Nothing happened between ${daily.from} and ${daily.to} (Beijing time). Pick another range: the figures count events by the Beijing day they occurred.`
    : 'This Zan has no money in it yet: no wallet has been funded. The charts fill in as users fund wallets, publish, like and tip articles, send red packets and buy from merchants (README, "Try it"); the projector counts each event as it is stored.';
};

const refresh = async (): Promise<void> => {
  const token = savedToken();
  if (!token) return showSignIn();
  const [from, to] = [fromInput.value, toInput.value];
  const mine = ++latest;
  try {
    const [[daily, hourly, authors, articles, luck, sales], [money, traffic]] = await Promise.all([loadRange(token, from, to), loadLive(token)]);
    if (mine !== latest) return;
    renderRange(daily, hourly, authors, articles, luck, sales);
    renderLive(money, traffic);
    explainEmpty(daily, money.fundings > 0);
    status.textContent = `${from} to ${to}, Beijing time. Net inflow ${yuan(money.netInflow)}. Updated ${new Date().toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai' })}.`;
    main.dataset.loaded = `${from}/${to}`;
  } catch (error) {
    if (mine !== latest) return;
    if (error instanceof ApiRefused && (error.status === 401 || error.status === 403)) {
      forgetToken();
      return showSignIn(error.status === 403 ? 'That token is not an admin token.' : `That token was refused: ${error.message}`);
    }
    status.textContent = `Could not load the figures: ${error instanceof Error ? error.message : String(error)}`;
  }
};

const start = (): void => {
  signIn.hidden = true;
  main.hidden = false;
  signOut.hidden = false;
  if (!fromInput.value) setRange(7);
  void refresh();
  window.clearInterval(timer);
  timer = window.setInterval(() => void refresh(), REFRESH_MS);
};

const signInWith = async (): Promise<void> => {
  const token = byId<HTMLInputElement>('token').value.trim();
  try {
    await getJson('/v1/admin/stats/money', token);
  } catch (error) {
    const refused =
      error instanceof ApiRefused && error.status === 403
        ? 'That token is not an admin token.'
        : `That token was refused: ${error instanceof Error ? error.message : String(error)}`;
    byId('sign-in-error').textContent = refused;
    return;
  }
  byId<HTMLInputElement>('token').value = '';
  saveToken(token);
  start();
  main.focus();
};

signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  void signInWith();
});

rangeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const [from, to] = [fromInput.value, toInput.value];
  if (!from || !to || from > to) {
    status.textContent = 'Pick a start day on or before the end day.';
    return;
  }
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > MAX_DAYS) {
    status.textContent = `Pick at most ${MAX_DAYS} days (the hourly chart holds a month).`;
    return;
  }
  void refresh();
});

for (const button of rangeForm.querySelectorAll<HTMLButtonElement>('button[data-days]')) {
  button.addEventListener('click', () => {
    setRange(Number(button.dataset.days));
    void refresh();
  });
}

signOut.addEventListener('click', () => {
  forgetToken();
  showSignIn();
});

if (savedToken()) start();
else showSignIn();
