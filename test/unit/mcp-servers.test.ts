import { describe, expect, it } from 'vitest';
import { isToolCovered } from '../../src/agent/tool-gate.js';
import { mcpBinding, relayLabelOf } from '../../src/mcp/mcp-routes.js';
import { defaultToolsWithMcp, effectiveMcpServers, secretNames, taskMcp } from '../../src/mcp/mcp-servers.js';
import type { McpServers } from '../../src/mcp/mcp-types.js';

const docs = { type: 'http' as const, url: 'https://docs.example.com/v1/mcp?x=1', headers: { Authorization: { secret: 'docs-token' }, 'X-Team': 'a' } };
const local = { type: 'stdio' as const, command: 'node', args: ['server.mjs'] };

describe('a task MCP servers over its tenant default', () => {
  it("merges by name, the task's own winning, in one order whatever order they came in", () => {
    const tenant: McpServers = { docs, zeta: local };
    const task: McpServers = { zeta: { command: 'other' }, alpha: local };
    const merged = effectiveMcpServers(tenant, task);
    expect(Object.keys(merged!)).toEqual(['alpha', 'docs', 'zeta']);
    expect(merged!.zeta).toEqual({ command: 'other' });
    expect(effectiveMcpServers(null, {})).toBeNull();
    expect(JSON.stringify(effectiveMcpServers(null, { b: local, a: docs }))).toBe(JSON.stringify(effectiveMcpServers(null, { a: docs, b: local })));
  });

  it("marks as the operator's only the tenant servers the task did not replace", () => {
    expect(taskMcp({ docs, zeta: local }, { zeta: local })).toMatchObject({ operatorServers: ['docs'] });
    expect(taskMcp(undefined, undefined)).toBeNull();
  });

  it('lists the secrets the headers name, once each', () => {
    expect(secretNames({ docs, again: { ...docs }, local })).toEqual(['docs-token']);
  });

  it('lets a task without allowed_tools use every tool of its servers', () => {
    expect(defaultToolsWithMcp(['Read'], { docs, local })).toEqual(['Read', 'mcp__docs', 'mcp__local']);
  });
});

describe('MCP tool rules', () => {
  const rules = (...names: string[]) => new Set(names);
  it('covers a tool by its name, or by its server with or without __*', () => {
    expect(isToolCovered(rules('mcp__docs__search'), 'mcp__docs__search')).toBe(true);
    expect(isToolCovered(rules('mcp__docs'), 'mcp__docs__search')).toBe(true);
    expect(isToolCovered(rules('mcp__docs__*'), 'mcp__docs__search')).toBe(true);
    expect(isToolCovered(rules('mcp__docs'), 'mcp__docsx__search')).toBe(false);
    expect(isToolCovered(rules('mcp__docs__search'), 'mcp__docs__fetch')).toBe(false);
    expect(isToolCovered(rules('mcp__a_'), 'mcp__a___tool')).toBe(true);
    expect(isToolCovered(rules('mcp__docs'), 'Bash')).toBe(false);
  });
});

describe('relay routes', () => {
  it('gives each remote server a label of its own and keeps its path and query; stdio servers get none', () => {
    const { binding, relayUrls } = mcpBinding({
      tenantId: 't',
      servers: { docs, local, Docs: { type: 'sse', url: 'http://10.0.0.1:9000/sse' } },
      operatorServers: ['Docs'],
    });
    expect(relayUrls.get('docs')).toBe('http://s0.mcp.ccs.invalid/v1/mcp?x=1');
    expect(relayUrls.get('Docs')).toBe('http://s1.mcp.ccs.invalid/sse');
    expect(relayUrls.has('local')).toBe(false);
    expect(binding.routes.get('s1')).toMatchObject({ name: 'Docs', operator: true });
    expect(binding.routes.get('s0')).toMatchObject({ name: 'docs', operator: false });
  });

  it('recognises only names under the reserved domain', () => {
    expect(relayLabelOf('S0.MCP.ccs.invalid')).toBe('s0');
    expect(relayLabelOf('mcp.ccs.invalid')).toBeNull();
    expect(relayLabelOf('s0.mcp.ccs.invalid.evil.com')).toBeNull();
    expect(relayLabelOf('example.com')).toBeNull();
  });
});
