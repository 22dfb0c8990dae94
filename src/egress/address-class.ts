import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * What kind of address a name resolved to, for the egress proxy: an agent may reach the public
 * internet (allowlisted hosts), never this machine or the networks around it.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'unspecified' | 'cgnat' | 'multicast' | 'reserved' | 'this_host';

const RANGES: ReadonlyArray<readonly [Exclude<AddressClass, 'public' | 'this_host'>, string, number, 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  // Includes the cloud metadata service, 169.254.169.254.
  ['link_local', '169.254.0.0', 16, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link_local', 'fe80::', 10, 'ipv6'],
  // Deprecated site-local: still routed inside some networks.
  ['private', 'fec0::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [kind, network, prefix, family] of RANGES) {
  let list = LISTS.get(kind);
  if (!list) LISTS.set(kind, (list = new BlockList()));
  list.addSubnet(network, prefix, family);
}

/**
 * IPv4 carried inside IPv6 is judged as IPv4: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96)
 * and 6to4 (2002:AABB:CCDD::/48), in dotted or hex form.
 */
export function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower) ?? /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The addresses of this machine's interfaces (refused even when they are public). */
export function hostAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(entry.address.toLowerCase().replace(/%.*$/, ''));
  }
  return addresses;
}

/** Classifies an IP address; anything that is not an IP address is 'reserved' (never reached). */
export function classifyAddress(address: string, ownAddresses: ReadonlySet<string> = new Set()): AddressClass {
  const bare = address.toLowerCase().replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  const v4 = family === 4 ? bare : embeddedIpv4(bare);
  const [checked, kind] = v4 !== null ? [v4, 'ipv4' as const] : [bare, 'ipv6' as const];
  for (const [name, list] of LISTS) if (list.check(checked, kind)) return name;
  if (ownAddresses.has(bare) || (v4 !== null && ownAddresses.has(v4))) return 'this_host';
  return 'public';
}
