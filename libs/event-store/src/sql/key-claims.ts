import type { KeyClaim } from '../event-store.port';

/** Claims as the statements read them (claimsFrom): `i` tells whose claim each is. */
export const claimRows = (claims: readonly KeyClaim[], i = 0) =>
  claims.map((claim) => ({
    i,
    scope: claim.scope,
    key: claim.key,
    request_hash: claim.requestHash,
    locked_until: new Date(claim.lockedUntil).toISOString(),
    created_at: claim.createdAt.toISOString(),
  }));

export const claimsJson = (claims: readonly KeyClaim[]): string => JSON.stringify(claimRows(claims));

/** The first of `claims` whose key is (`among` true) or is not among the (scope, key) `rows` a statement returned. */
export const firstClaim = (claims: readonly KeyClaim[], rows: readonly { scope: string; key: string }[], among: boolean): KeyClaim | undefined => {
  const returned = new Set(rows.map((row) => `${row.scope}\n${row.key}`));
  return claims.find((claim) => returned.has(`${claim.scope}\n${claim.key}`) === among);
};

/**
 * SQL, an INSERT of the claims `k` selected by `from` (a FROM clause over claimsFrom) as pending
 * records, RETURNING the scope and key of each claim that holds its key: inserted now, or found pending under
 * its very lease and request (the same request's claim, written by an append of it that a changed
 * revision refused after all: its retry takes the record back instead of waiting for its own lease).
 * Any other record of the key is left as it is, and that claim returns nothing.
 */
export const insertClaims = (keys: string, from: string): string =>
  `INSERT INTO ${keys} AS t (scope, key, request_hash, state, locked_until, created_at)
   SELECT k.scope, k.key, k.request_hash, 'pending', k.locked_until, k.created_at FROM ${from}
   ON CONFLICT (scope, key) DO UPDATE SET locked_until = excluded.locked_until
     WHERE t.state = 'pending' AND t.locked_until = excluded.locked_until AND t.request_hash = excluded.request_hash
   RETURNING t.scope, t.key`;

/** SQL, a FROM clause: the claims in parameter `param` (claimRows as JSON) as rows `k`. */
export const claimsFrom = (param: string): string =>
  `jsonb_to_recordset(${param}::text::jsonb) AS k(i int, scope text, key text, request_hash text, locked_until timestamptz, created_at timestamptz)`;
