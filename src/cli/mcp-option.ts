import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { McpServers } from '../../packages/client/src/index.js';

/**
 * `--mcp <json|@file>`: the task's options.mcp_servers, inline or from a JSON file (which keeps
 * a long definition out of the shell history). Only its shape is checked here; the server checks
 * the rest and says what is wrong.
 */
export function mcpServersArgument(value: string): McpServers {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. {"docs": {"type": "http", "url": "https://…/mcp"}}, or @file.json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object of servers by name');
  return parsed as McpServers;
}
