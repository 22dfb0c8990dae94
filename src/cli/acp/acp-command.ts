import { Readable, Writable } from 'node:stream';
import { ndJsonStream } from '@agentclientprotocol/sdk';
import { CcsClient } from '../../../packages/client/src/index.js';
import type { CliConfig } from '../config.js';
import { buildAcpAgent } from './acp-agent.js';

/** Sent with every request, so the server counts them under protocol_requests_total{protocol="acp"}. */
export const CLIENT_PROTOCOL_HEADER = 'x-client-protocol';

/** stdout carries JSON-RPC frames only: anything a library would print goes to stderr instead. */
function keepStdoutForFrames(): void {
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

/**
 * `ccs acp`: an Agent Client Protocol agent on stdin/stdout, as editors launch one, bridged to the
 * server named by CCS_URL / CCS_API_KEY (or --url / --api-key / the config file). Resolves when
 * the editor closes the connection.
 */
export async function acpCommand(config: CliConfig): Promise<number> {
  keepStdoutForFrames();
  const ccs = new CcsClient({ baseUrl: config.url, apiKey: config.apiKey, transport: config.transport, headers: { [CLIENT_PROTOCOL_HEADER]: 'acp' } });
  const app = buildAcpAgent({
    ccs,
    transport: config.transport,
    env: process.env,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  const stream = ndJsonStream(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>, Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>);
  const connection = app.connect(stream);
  await connection.closed;
  return 0;
}
