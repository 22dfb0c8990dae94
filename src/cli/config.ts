import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { StreamTransport } from '../../packages/client/src/index.js';

/**
 * Where `ccs` connects, from (first wins) flags, the environment (CCS_URL, CCS_API_KEY,
 * CCS_CONFIG) or a JSON config file, by default `$XDG_CONFIG_HOME/ccs/config.json`
 * (`~/.config/ccs/config.json`): `{"url": "http://host:8000", "api_key": "…", "transport": "sse"}`.
 */
export interface CliConfig {
  url: string;
  apiKey: string | undefined;
  transport: StreamTransport;
  /** The file the settings were read from, if any. */
  file: string | undefined;
}

export interface ConfigFlags {
  url?: string | undefined;
  apiKey?: string | undefined;
  config?: string | undefined;
  transport?: string | undefined;
}

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'ccs', 'config.json');
}

interface FileSettings {
  url?: string;
  api_key?: string;
  transport?: string;
}

function readConfigFile(file: string, required: boolean): FileSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`Config file ${file} must hold a JSON object`);
  const settings = parsed as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((k) => !['url', 'api_key', 'transport'].includes(k));
  if (unknown.length > 0) throw new ConfigError(`Config file ${file}: unknown setting(s) ${unknown.join(', ')} (known: url, api_key, transport)`);
  for (const key of ['url', 'api_key', 'transport']) {
    if (settings[key] !== undefined && typeof settings[key] !== 'string') throw new ConfigError(`Config file ${file}: "${key}" must be a string`);
  }
  return settings as FileSettings;
}

function checkTransport(value: string, where: string): StreamTransport {
  if (value === 'websocket' || value === 'sse') return value;
  throw new ConfigError(`${where}: transport must be "websocket" or "sse", not "${value}"`);
}

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): CliConfig {
  const explicitFile = flags.config ?? env.CCS_CONFIG;
  const file = explicitFile ?? defaultConfigPath(env);
  const settings = readConfigFile(file, explicitFile !== undefined);
  const url = flags.url ?? env.CCS_URL ?? settings.url ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`The server URL must be an http(s) URL, not "${url}"`);
  }
  const transport = flags.transport ?? settings.transport ?? 'websocket';
  return {
    url,
    apiKey: flags.apiKey ?? env.CCS_API_KEY ?? settings.api_key,
    transport: checkTransport(transport, flags.transport !== undefined ? '--transport' : file),
    file: Object.keys(settings).length > 0 ? file : undefined,
  };
}
