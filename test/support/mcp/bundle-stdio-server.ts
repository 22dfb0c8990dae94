import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

let bundled: Promise<string> | null = null;

/**
 * The stdio test MCP server as one self-contained file: inside a sandbox the agent sees no
 * node_modules of ours, so the server and the MCP SDK travel together into the workspace.
 */
export function bundleStdioServer(): Promise<string> {
  bundled ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ccs-mcp-stdio-'));
    // Readable by a tenant's uid, as a directory an operator lists in AGENT_READONLY_PATHS would be.
    await chmod(dir, 0o755);
    const file = path.join(dir, 'mcp-stdio.mjs');
    const input = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stdio-main.ts');
    await build({ input, platform: 'node', output: { file, format: 'esm' }, logLevel: 'warn' });
    return file;
  })();
  return bundled;
}
