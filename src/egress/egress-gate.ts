import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, hostAddresses } from './address-class.js';
import { isAllowed, normaliseHost, type HostPattern } from './host-patterns.js';

/** Why the egress proxy refused a connection (the `reason` of a network_blocked event). */
export type BlockReason = 'not_allowed' | 'private_address' | 'no_task';

export interface EgressBlock {
  host: string;
  port: number;
  reason: BlockReason;
}

/** The lists in force for one task: its tenant's, and the task's own narrower one (if it set one). */
export interface EgressPolicy {
  tenant: readonly HostPattern[];
  task: readonly HostPattern[] | null;
  /**
   * The task's http/sse MCP servers: each `host:port` is allowed for the task whatever the lists
   * say, and may be private where the MCP policy allows it (MCP_ALLOW_PRIVATE, or the operator's own).
   */
  mcp?: readonly McpEndpoint[];
}

export interface McpEndpoint {
  host: string;
  port: number;
  allowPrivate: boolean;
}

export interface EgressGateOptions {
  /** The policy of a task, or null when the task is unknown. */
  policyFor: (taskId: string) => Promise<EgressPolicy | null>;
  /** AGENT_EGRESS_ALLOW_PRIVATE: let allowlisted names reach loopback and private addresses (tests). */
  allowPrivate: boolean;
  /** Resolves a name to every address it has (dns.lookup by default). */
  resolve?: (host: string) => Promise<string[]>;
}

/** `addresses`: every address of the name, all checked, to be tried in turn. */
export type GateVerdict =
  { ok: true; address: string; addresses: string[] } | { ok: false; block: EgressBlock; detail: string } | { ok: false; block: null; detail: string };

async function lookupAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * Decides one outgoing connection of an agent process: the task it serves right now must allow
 * the host and port, and the name must resolve only to public addresses that are not this
 * machine's. The caller connects to the address returned here, so a name that resolves
 * differently a moment later (DNS rebinding) cannot slip past the check. Names that no list
 * allows are never resolved, so the proxy is no channel for DNS lookups either.
 */
export class EgressGate {
  private readonly resolve: (host: string) => Promise<string[]>;
  private ownAddresses = hostAddresses();
  private ownAddressesAt = Date.now();

  constructor(private readonly options: EgressGateOptions) {
    this.resolve = options.resolve ?? lookupAll;
  }

  async decide(taskId: string | null, rawHost: string, port: number): Promise<GateVerdict> {
    const host = normaliseHost(rawHost);
    const refuse = (reason: BlockReason, detail: string): GateVerdict => ({ ok: false, block: { host, port, reason }, detail });
    if (taskId === null) return refuse('no_task', 'this agent process is not running a task');
    const policy = await this.options.policyFor(taskId);
    if (policy === null) return refuse('no_task', 'the task is unknown');
    const mcp = policy.mcp?.find((endpoint) => endpoint.host === host && endpoint.port === port);
    if (mcp === undefined && (!isAllowed(policy.tenant, host, port) || (policy.task !== null && !isAllowed(policy.task, host, port)))) {
      return refuse('not_allowed', `${host}:${port} is not on the egress allowlist`);
    }
    const resolved = await this.resolvePermitted(host, this.options.allowPrivate || (mcp?.allowPrivate ?? false));
    if (resolved.ok) return resolved;
    return resolved.kind === null ? { ok: false, block: null, detail: resolved.detail } : refuse('private_address', resolved.detail);
  }

  /**
   * Resolves a name to the one address to connect to, refusing a name any of whose addresses is
   * loopback, private or this machine's unless `allowPrivate`. `kind` says which kind refused it
   * (null: the name did not resolve).
   */
  async resolvePermitted(
    rawHost: string,
    allowPrivate: boolean,
  ): Promise<{ ok: true; address: string; addresses: string[] } | { ok: false; kind: string | null; detail: string }> {
    const host = normaliseHost(rawHost);
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch {
      return { ok: false, kind: null, detail: `${host} cannot be resolved` };
    }
    if (addresses.length === 0) return { ok: false, kind: null, detail: `${host} has no address` };
    if (!allowPrivate) {
      const own = this.currentOwnAddresses();
      for (const address of addresses) {
        const kind = classifyAddress(address, own);
        if (kind !== 'public') return { ok: false, kind, detail: `${host} resolves to ${address} (${kind})` };
      }
    }
    return { ok: true, address: addresses[0]!, addresses };
  }

  /** Interfaces change (DHCP, containers): re-read at most every 30 seconds. */
  private currentOwnAddresses(): ReadonlySet<string> {
    if (Date.now() - this.ownAddressesAt > 30_000) {
      this.ownAddresses = hostAddresses();
      this.ownAddressesAt = Date.now();
    }
    return this.ownAddresses;
  }
}
