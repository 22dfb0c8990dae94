import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE is set: a task's submitter
 * must not be able to make the server call into its own network (SSRF).
 */
const PRIVATE = new BlockList();
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
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookAddressError';
  }
}

/** IPv4 carried inside IPv6 (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::/96) is judged as IPv4. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

export function isPrivateAddress(address: string): boolean {
  const v4 = isIP(address) === 4 ? address : embeddedIpv4(address);
  if (v4 !== null) return PRIVATE.check(v4, 'ipv4');
  return isIP(address) === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

/** Refuses what can never be a webhook target, before any name is resolved. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError(`webhook.url is not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookAddressError('webhook.url must use http or https');
  if (url.username !== '' || url.password !== '') throw new WebhookAddressError('webhook.url must not carry credentials');
  return url;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it has. The caller connects to the address
 * returned here, so a name that resolves differently a moment later (DNS rebinding) cannot
 * slip a private address past the check.
 */
export async function resolveWebhookHost(
  url: URL,
  allowPrivate: boolean,
  /** Who asks, for the messages: MCP servers (src/mcp) are checked the same way. */
  naming: { subject: string; setting: string } = { subject: 'webhook host', setting: 'WEBHOOK_ALLOW_PRIVATE' },
): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal as 4 | 6 }]
    : (
        await lookup(host, { all: true, verbatim: true }).catch(() => {
          throw new WebhookAddressError(`${naming.subject} ${host} cannot be resolved`);
        })
      ).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (addresses.length === 0) throw new WebhookAddressError(`${naming.subject} ${host} has no address`);
  if (!allowPrivate) {
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) {
      throw new WebhookAddressError(
        `${naming.subject} ${host} resolves to ${refused.address}, a loopback, link-local or private address (set ${naming.setting}=true to allow)`,
      );
    }
  }
  return addresses[0]!;
}
