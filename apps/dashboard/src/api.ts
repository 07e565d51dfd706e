/** The admin stats routes, with the token kept for this tab only. */
const TOKEN_KEY = 'zan.dashboard.token';

export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

export class ApiRefused extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export const getJson = async <T>(path: string, token: string): Promise<T> => {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new ApiRefused(response.status, problem.detail ?? problem.title ?? response.statusText);
  }
  return (await response.json()) as T;
};

export interface Bucket {
  at: string;
  events: number;
  likes: number;
  unlikes: number;
  tips: number;
  tipAmount: number;
  fundings: number;
  fundingAmount: number;
  withdrawals: number;
  withdrawalAmount: number;
  redPackets: number;
  redPacketAmount: number;
  claims: number;
  claimAmount: number;
  redPacketRefundAmount: number;
  orders: number;
  orderAmount: number;
  groupBuyOrders: number;
  groupBuyAmount: number;
  codePayments: number;
  codePaymentAmount: number;
  refunds: number;
  refundAmount: number;
}
export interface Series {
  from: string;
  to: string;
  buckets: Bucket[];
}
export interface Ranked {
  items: { authorId?: string; articleId?: string; title?: string; amount: number }[];
}
export interface Luck {
  claims: number;
  histogram: { from: number; to: number | null; claims: number }[];
  best: { day: string; redPacketId: string; userId: string; amount: number; luck: number }[];
}
export interface SalesFigures {
  orders: number;
  orderAmount: number;
  groupBuyOrders: number;
  groupBuyAmount: number;
  codePayments: number;
  codePaymentAmount: number;
  refunds: number;
  refundAmount: number;
  gross: number;
  net: number;
}
export interface MerchantSales {
  totals: SalesFigures;
  days: (SalesFigures & { day: string })[];
  topMerchants: { merchantId: string; net: number }[];
}
export interface Money {
  balances: number;
  held: number;
  inFlight: number;
  fundings: number;
  withdrawals: number;
  holdings: number;
  netInflow: number;
  difference: number;
}
export interface Throughput {
  minutes: { at: string; events: number }[];
  events: number;
  perSecond: number;
  lag: { watermark: string; head: string | null; behindEvents: number; behindSeconds: number };
}

/** Everything the page shows for a range, fetched at once. */
export const loadRange = (token: string, from: string, to: string) => {
  const range = `from=${from}&to=${to}`;
  return Promise.all([
    getJson<Series>(`/v1/admin/stats/daily?${range}`, token),
    getJson<Series>(`/v1/admin/stats/hourly?${range}`, token),
    getJson<Ranked>(`/v1/admin/stats/top-authors?${range}`, token),
    getJson<Ranked>(`/v1/admin/stats/top-articles?${range}`, token),
    getJson<Luck>(`/v1/admin/stats/red-packet-luck?${range}`, token),
    getJson<MerchantSales>(`/v1/admin/stats/merchant-sales?${range}`, token),
  ]);
};

export const loadLive = (token: string) =>
  Promise.all([getJson<Money>('/v1/admin/stats/money', token), getJson<Throughput>('/v1/admin/stats/throughput', token)]);
