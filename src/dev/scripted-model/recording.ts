import type { IncomingHttpHeaders } from 'node:http';
import type { Usage } from './wire.js';

export interface HeadersSummary {
  readonly userAgent: string | undefined;
  /** The `x-api-key` the client sent (a test double's key, so keeping it is harmless). */
  readonly apiKey: string | undefined;
  readonly hasAuthorization: boolean;
  readonly anthropicVersion: string | undefined;
  readonly anthropicBeta: readonly string[];
  /** `x-claude-code-session-id`: the CLI's session id, the same one query() reports. */
  readonly sessionId: string | undefined;
}

/** Which branch answered a messages request. */
export type RequestKind = 'main' | 'side' | 'count_tokens' | 'invalid';

export interface RecordedRequest {
  readonly receivedAt: string;
  readonly method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  readonly path: string;
  readonly headers: HeadersSummary;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: unknown;
  readonly kind: RequestKind;
  /** Name of the script that answered ('inline' for `[[script:{...}]]`), main requests only. */
  readonly script: string | undefined;
  /** Step index that answered, main requests only. */
  readonly turn: number | undefined;
  /** What was sent back: 'text', 'tool_use:<Name>', or 'error:<status>'. */
  readonly outcome: string;
  /** The model and usage of the message sent back (none for errors), so a test can price each call. */
  readonly billed?: { readonly model: string; readonly usage: Usage };
}

/** Every HTTP request, whatever its path: how to discover what a new CLI version calls. */
export interface HttpLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** False when the connection closed before the response ended (e.g. an interrupted query). */
  readonly completed: boolean;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function summarizeHeaders(headers: IncomingHttpHeaders): HeadersSummary {
  const beta = header(headers, 'anthropic-beta');
  return {
    userAgent: header(headers, 'user-agent'),
    apiKey: header(headers, 'x-api-key'),
    hasAuthorization: header(headers, 'authorization') !== undefined,
    anthropicVersion: header(headers, 'anthropic-version'),
    anthropicBeta:
      beta === undefined
        ? []
        : beta
            .split(',')
            .map((b) => b.trim())
            .filter((b) => b !== ''),
    sessionId: header(headers, 'x-claude-code-session-id'),
  };
}
