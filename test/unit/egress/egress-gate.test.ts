import { describe, expect, it } from 'vitest';
import { EgressGate, type McpEndpoint } from '../../../src/egress/egress-gate.js';
import { parseHostPatterns } from '../../../src/egress/host-patterns.js';

const list = (...entries: string[]) => parseHostPatterns(entries).patterns;

function gate(resolved: Record<string, string[]>, options: { allowPrivate?: boolean; task?: string[]; mcp?: McpEndpoint[] } = {}) {
  const lookups: string[] = [];
  const g = new EgressGate({
    allowPrivate: options.allowPrivate ?? false,
    policyFor: async (taskId) =>
      taskId === 'task-1'
        ? { tenant: list('*.example.com', 'api.other.net:443', '10.0.0.5'), task: options.task ? list(...options.task) : null, mcp: options.mcp ?? [] }
        : null,
    resolve: async (host) => {
      lookups.push(host);
      const addresses = resolved[host];
      if (!addresses) throw new Error('ENOTFOUND');
      return addresses;
    },
  });
  return { g, lookups };
}

describe('EgressGate', () => {
  it('allows a listed host and returns the checked address to connect to', async () => {
    const { g } = gate({ 'a.example.com': ['93.184.216.34'] });
    expect(await g.decide('task-1', 'a.example.com', 443)).toEqual({ ok: true, address: '93.184.216.34', addresses: ['93.184.216.34'] });
  });

  it('refuses an unlisted host without resolving it (no DNS channel)', async () => {
    const { g, lookups } = gate({});
    expect(await g.decide('task-1', 'exfil-data.attacker.net', 443)).toMatchObject({
      ok: false,
      block: { host: 'exfil-data.attacker.net', port: 443, reason: 'not_allowed' },
    });
    expect(await g.decide('task-1', 'api.other.net', 80)).toMatchObject({ ok: false, block: { reason: 'not_allowed' } });
    expect(lookups).toEqual([]);
  });

  it('refuses a listed name if any of its addresses is loopback, private or link-local, unless private targets are allowed', async () => {
    const resolved = { 'a.example.com': ['93.184.216.34', '169.254.169.254'], 'b.example.com': ['127.0.0.1'] };
    const { g } = gate(resolved);
    expect(await g.decide('task-1', 'a.example.com', 443)).toMatchObject({ ok: false, block: { reason: 'private_address' } });
    expect(await g.decide('task-1', 'b.example.com', 443)).toMatchObject({ ok: false, block: { reason: 'private_address' } });
    expect(await g.decide('task-1', '10.0.0.5', 22)).toMatchObject({ ok: false, block: { reason: 'private_address' } });
    const open = gate(resolved, { allowPrivate: true }).g;
    expect(await open.decide('task-1', 'b.example.com', 443)).toEqual({ ok: true, address: '127.0.0.1', addresses: ['127.0.0.1'] });
  });

  it("applies the task's narrower list on top of the tenant's", async () => {
    const { g } = gate({ 'a.example.com': ['93.184.216.34'], 'b.example.com': ['93.184.216.35'] }, { task: ['a.example.com'] });
    expect(await g.decide('task-1', 'a.example.com', 443)).toMatchObject({ ok: true });
    expect(await g.decide('task-1', 'b.example.com', 443)).toMatchObject({ ok: false, block: { reason: 'not_allowed' } });
  });

  it('refuses everything for a process that serves no task, or an unknown one', async () => {
    const { g } = gate({ 'a.example.com': ['93.184.216.34'] });
    expect(await g.decide(null, 'a.example.com', 443)).toMatchObject({ ok: false, block: { reason: 'no_task' } });
    expect(await g.decide('task-2', 'a.example.com', 443)).toMatchObject({ ok: false, block: { reason: 'no_task' } });
  });

  it('reports a name that does not resolve without calling it a block', async () => {
    const { g } = gate({});
    expect(await g.decide('task-1', 'gone.example.com', 443)).toMatchObject({ ok: false, block: null });
  });

  it("allows a task's MCP server at its exact host:port whatever the lists say, private only where the MCP policy allows", async () => {
    const mcp = [
      { host: 'mcp.internal', port: 8080, allowPrivate: false },
      { host: 'ops.internal', port: 9000, allowPrivate: true },
    ];
    const { g } = gate({ 'mcp.internal': ['93.184.216.35'], 'ops.internal': ['10.1.2.3'], 'private.internal': ['10.9.9.9'] }, { task: [], mcp });
    expect(await g.decide('task-1', 'mcp.internal', 8080)).toEqual({ ok: true, address: '93.184.216.35', addresses: ['93.184.216.35'] });
    expect(await g.decide('task-1', 'MCP.internal.', 8080)).toEqual({ ok: true, address: '93.184.216.35', addresses: ['93.184.216.35'] });
    expect(await g.decide('task-1', 'mcp.internal', 8081)).toMatchObject({ ok: false, block: { reason: 'not_allowed' } });
    expect(await g.decide('task-1', 'ops.internal', 9000)).toEqual({ ok: true, address: '10.1.2.3', addresses: ['10.1.2.3'] });
    const { g: strict } = gate({ 'mcp.internal': ['10.0.0.7'] }, { mcp: [{ host: 'mcp.internal', port: 8080, allowPrivate: false }] });
    expect(await strict.decide('task-1', 'mcp.internal', 8080)).toMatchObject({ ok: false, block: { reason: 'private_address' } });
  });
});
