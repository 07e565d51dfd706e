/** Settings that lift every spending limit (the install-wide daily one and the tiers'): for storms that measure something else. */
export const NO_SPENDING_LIMITS: Record<string, string> = Object.fromEntries([
  ['ZAN_DAILY_SPEND_LIMIT', '0'],
  ...['UNVERIFIED', 'INDIVIDUAL', 'BUSINESS'].flatMap((tier) => ['PER_PAYMENT', 'DAILY', 'ANNUAL'].map((limit) => [`ZAN_TIER_${tier}_${limit}`, '0'])),
]);
