import { isIP } from 'node:net';

/**
 * One egress allowlist entry, `host[:port]`:
 * - `example.com` matches that name only; `*.example.com` matches its subdomains at any depth
 *   (not `example.com` itself); `*` matches every name and address;
 * - an IP literal matches that address (IPv6 in brackets when a port follows: `[::1]:8080`);
 * - without a port, every port of the host is allowed.
 * Names compare case-insensitively and without a trailing dot.
 */
export interface HostPattern {
  /** The entry as written (normalised), for messages. */
  text: string;
  kind: 'exact' | 'subdomains' | 'any';
  /** The name or address (for `subdomains`: the parent domain, without `*.`). */
  host: string;
  port: number | null;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function normaliseHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return isIP(bare) ? bare : bare.replace(/\.$/, '');
}

function validName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** Parses one entry; throws an Error whose message says what is wrong with it. */
export function parseHostPattern(raw: string): HostPattern {
  const entry = raw.trim();
  let hostPart = entry;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    hostPart = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    const at = entry.lastIndexOf(':');
    hostPart = entry.slice(0, at);
    const portText = entry.slice(at + 1);
    if (!/^\d{1,5}$/.test(portText)) throw new Error(`"${raw}": the port must be a number`);
    port = Number(portText);
  }
  if (port !== null && (port < 1 || port > 65535)) throw new Error(`"${raw}": the port must be between 1 and 65535`);
  const host = normaliseHost(hostPart);
  const suffix = port === null ? '' : `:${port}`;
  if (hostPart.trim() === '*') return { text: `*${suffix}`, kind: 'any', host: '', port };
  if (hostPart.trim().startsWith('*.')) {
    const parent = normaliseHost(hostPart.trim().slice(2));
    if (!validName(parent) || isIP(parent)) throw new Error(`"${raw}": "*." must be followed by a domain name`);
    return { text: `*.${parent}${suffix}`, kind: 'subdomains', host: parent, port };
  }
  if (isIP(host)) return { text: `${isIP(host) === 6 ? `[${host}]` : host}${suffix}`, kind: 'exact', host, port };
  if (!validName(host)) throw new Error(`"${raw}": not a host name, "*.domain", "*" or an IP address`);
  return { text: `${host}${suffix}`, kind: 'exact', host, port };
}

/** Parses a list, collecting one message per bad entry. */
export function parseHostPatterns(entries: readonly string[]): { patterns: HostPattern[]; problems: string[] } {
  const patterns: HostPattern[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    try {
      patterns.push(parseHostPattern(entry));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { patterns, problems };
}

/** A comma-separated list (AGENT_EGRESS_ALLOW), empty entries ignored. */
export function splitPatternList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function hostMatches(pattern: HostPattern, host: string): boolean {
  if (pattern.kind === 'any') return true;
  if (pattern.kind === 'exact') return pattern.host === host;
  return !isIP(host) && host.endsWith(`.${pattern.host}`);
}

export function matchesPattern(pattern: HostPattern, host: string, port: number): boolean {
  return (pattern.port === null || pattern.port === port) && hostMatches(pattern, normaliseHost(host));
}

export function isAllowed(patterns: readonly HostPattern[], host: string, port: number): boolean {
  return patterns.some((p) => matchesPattern(p, host, port));
}

/** Whether every host and port `inner` matches is matched by `outer` too. */
export function covers(outer: HostPattern, inner: HostPattern): boolean {
  if (outer.port !== null && outer.port !== inner.port) return false;
  if (outer.kind === 'any') return true;
  if (inner.kind === 'any') return false;
  if (inner.kind === 'exact') return hostMatches(outer, inner.host);
  // inner matches the subdomains of inner.host: outer must match all of them.
  return outer.kind === 'subdomains' && (inner.host === outer.host || inner.host.endsWith(`.${outer.host}`));
}

/** The first entry of `narrower` that `wider` does not cover, or null if all are covered. */
export function firstUncovered(wider: readonly HostPattern[], narrower: readonly HostPattern[]): HostPattern | null {
  return narrower.find((inner) => !wider.some((outer) => covers(outer, inner))) ?? null;
}
