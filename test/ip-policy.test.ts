import { describe, expect, it } from 'vitest';
import { embeddedIpv4, isBlockedAddress, matchesAllowlist } from '../src/net/ip-policy.js';

/** [address, address class] — every one must be refused. */
const BLOCKED: [string, string][] = [
  ['0.0.0.0', 'IPv4 "this host"'],
  ['0.1.2.3', 'IPv4 "this network"'],
  ['127.0.0.1', 'IPv4 loopback'],
  ['127.255.255.254', 'IPv4 loopback, end of range'],
  ['10.0.0.1', 'IPv4 private 10/8'],
  ['172.16.0.1', 'IPv4 private 172.16/12, start'],
  ['172.31.255.255', 'IPv4 private 172.16/12, end'],
  ['192.168.1.1', 'IPv4 private 192.168/16'],
  ['169.254.169.254', 'IPv4 link-local (cloud metadata)'],
  ['100.64.0.1', 'IPv4 CGNAT 100.64/10, start'],
  ['100.127.255.255', 'IPv4 CGNAT 100.64/10, end'],
  ['192.0.0.1', 'IPv4 IETF protocol assignments'],
  ['192.0.2.10', 'IPv4 documentation TEST-NET-1'],
  ['198.18.0.1', 'IPv4 benchmarking'],
  ['224.0.0.1', 'IPv4 multicast'],
  ['239.255.255.250', 'IPv4 multicast (SSDP)'],
  ['240.0.0.1', 'IPv4 reserved'],
  ['255.255.255.255', 'IPv4 broadcast'],
  ['::', 'IPv6 unspecified'],
  ['::1', 'IPv6 loopback'],
  ['fe80::1', 'IPv6 link-local'],
  ['fec0::1', 'IPv6 site-local (deprecated)'],
  ['fc00::1', 'IPv6 unique local fc00::/7'],
  ['fd12:3456:789a::1', 'IPv6 unique local fd00::/8'],
  ['ff02::1', 'IPv6 multicast'],
  ['2001:db8::1', 'IPv6 documentation'],
  ['100::1', 'IPv6 discard prefix'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::ffff:0:7f00:1', 'IPv4-translated (SIIT) loopback'],
  ['64:ff9b::7f00:1', 'NAT64 of loopback'],
  ['64:ff9b::10.0.0.1', 'NAT64 of private, dotted'],
  ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215)'],
  ['2002:7f00:1::1', '6to4 of loopback'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['not-an-ip', 'not an address at all'],
  ['', 'empty'],
];

const ALLOWED: [string, string][] = [
  ['8.8.8.8', 'public IPv4'],
  ['1.1.1.1', 'public IPv4'],
  ['93.184.216.34', 'public IPv4'],
  ['172.32.0.1', 'just past 172.16/12'],
  ['172.15.255.255', 'just before 172.16/12'],
  ['100.128.0.1', 'just past CGNAT'],
  ['100.63.255.255', 'just before CGNAT'],
  ['169.253.255.255', 'just before link-local'],
  ['192.169.0.1', 'just past 192.168/16'],
  ['223.255.255.255', 'just before multicast'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['2001:4860:4860::8888', 'public IPv6 in 2001::/16, outside Teredo'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['64:ff9b::808:808', 'NAT64 of a public address'],
  ['2002:808:808::1', '6to4 of a public address'],
];

describe('isBlockedAddress', () => {
  it.each(BLOCKED)('%s (%s) is refused', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(ALLOWED)('%s (%s) is allowed', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:0:a00:1', '10.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['2002:0a00:0001::', '10.0.0.1'],
  ])('%s carries %s', (ipv6, ipv4) => {
    expect(embeddedIpv4(ipv6)).toBe(ipv4);
  });

  it('a native IPv6 address carries none', () => {
    expect(embeddedIpv4('2606:4700:4700::1111')).toBeUndefined();
  });
});

describe('matchesAllowlist', () => {
  it.each([
    ['images.internal', '10.1.2.3', ['images.internal'], true],
    ['IMAGES.internal', '10.1.2.3', ['images.internal'], true],
    ['cdn.corp.example', '10.1.2.3', ['*.corp.example'], true],
    ['corp.example', '10.1.2.3', ['*.corp.example'], false],
    ['evilcorp.example', '10.1.2.3', ['*.corp.example'], false],
    ['anything', '10.1.2.3', ['10.0.0.0/8'], true],
    ['anything', '11.0.0.1', ['10.0.0.0/8'], false],
    ['127.0.0.1', '127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.2', '127.0.0.2', ['127.0.0.1'], false],
    ['[::1]', '::1', ['::1'], true],
    ['[::1]', '::1', ['127.0.0.1'], false],
    ['images.internal', '10.1.2.3', [' ', ''], false],
  ] as const)('host %s at %s with %j → %s', (host, ip, allowlist, expected) => {
    expect(matchesAllowlist(host, ip, allowlist)).toBe(expected);
  });
});
