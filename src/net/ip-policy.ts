import { BlockList, isIP } from 'node:net';

/**
 * Addresses a user-supplied URL must never reach: loopback, private, link-local (cloud metadata),
 * CGNAT, benchmarking, multicast and reserved ranges, in both families.
 */
const blocked = new BlockList();
for (const [net, bits] of [
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
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
  // Local-use NAT64 (RFC 8215): translated by the operator's own gateway, so it may reach anything inside.
  ['64:ff9b:1::', 48],
  // Teredo: tunnels to an IPv4 address hidden in the low bits; no image host needs it.
  ['2001::', 32],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

function expandIpv6(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const parse = (part: string) => (part ? part.split(':') : []);
  let headParts = parse(head);
  let tailParts = parse(tail);
  // A trailing dotted quad counts as two groups.
  const dotted = (parts: string[]) => {
    const last = parts.at(-1);
    if (last?.includes('.')) {
      const [a, b, c, d] = last.split('.').map(Number);
      parts.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return parts;
  };
  if (ip.includes('::')) tailParts = dotted(tailParts);
  else headParts = dotted(headParts);
  const missing = 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array(Math.max(0, missing)).fill('0'), ...tailParts].map((g) => parseInt(g, 16) || 0);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4), if any. */
export function embeddedIpv4(ip: string): string | undefined {
  const g = expandIpv6(ip.toLowerCase());
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return v4(g[6], g[7]);
  // IPv4-translated (SIIT, RFC 2765): ::ffff:0:a.b.c.d.
  if (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) return v4(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6], g[7]);
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  return undefined;
}

export function isBlockedAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIpv4(ip);
  if (inner && blocked.check(inner, 'ipv4')) return true;
  return blocked.check(ip, 'ipv6');
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const family = isIP(net);
  if (!family || isIP(ip) !== family) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(net, bitsText === undefined ? (family === 4 ? 32 : 128) : Number(bitsText), type);
  return list.check(ip, type);
}

/** Operators may allow private hosts: exact hostnames, `*.suffix` patterns, IPs or CIDRs. */
export function matchesAllowlist(host: string, ip: string, allowlist: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowlist.some((entryRaw) => {
    const entry = entryRaw.trim().toLowerCase();
    if (!entry) return false;
    if (entry.startsWith('*.')) return name.endsWith(entry.slice(1));
    if (isIP(entry.split('/')[0])) return inCidr(ip, entry);
    return name === entry;
  });
}
