import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach (SSRF): private, loopback, link-local, shared (CGNAT),
 * documentation, multicast and reserved ranges, IPv4 and IPv6, and every IPv4-mapped IPv6 address
 * (so `::ffff:127.0.0.1` cannot stand in for loopback).
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

// Apart: node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too.
const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');
// IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291): never a webhook's, `::127.0.0.1` least of all.
MAPPED.addSubnet('::', 96, 'ipv6');
// The NAT64 well-known prefix (RFC 6052) carries an IPv4 address in its last 32 bits: judged by that address.
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The 8 groups of an IPv6 address (a trailing dotted quad counts as two). */
const groupsOf = (address: string): number[] => {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = dotted
    ? address.slice(0, dotted.index) + (((+dotted[1]! << 8) | +dotted[2]!) >>> 0).toString(16) + ':' + ((+dotted[3]! << 8) | +dotted[4]!).toString(16)
    : address;
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((group) => parseInt(group, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
};

const embeddedIpv4 = (address: string): string => {
  const groups = groupsOf(address.replace(/%.*$/, ''));
  const [high = 0, low = 0] = groups.slice(6);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
};

/** True when the address is one a webhook may not be sent to. Anything that is not an IP address is refused. */
export const isForbiddenAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && MAPPED.check(address, 'ipv6')) return true;
  if (family === 6 && NAT64.check(address, 'ipv6')) return isForbiddenAddress(embeddedIpv4(address));
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a private, loopback or link-local address (ZAN_WEBHOOKS_ALLOW_PRIVATE is not set)`);
  }
}
