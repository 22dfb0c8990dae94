import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Role, type Message, type SendMessageRequest, type StreamResponse, type Task } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

export type Binding = 'JSONRPC' | 'HTTP+JSON';

/** An official A2A client for the server, its API key sent on every call, as the SDK's README shows. */
export async function a2aClient(baseUrl: string, apiKey: string, binding: Binding = 'JSONRPC'): Promise<Client> {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async () => ({ 'X-API-Key': apiKey }),
    shouldRetryWithHeaders: async () => undefined,
  });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      preferredTransports: [binding],
    }),
  );
  return factory.createFromUrl(baseUrl);
}

export function textMessage(text: string, fields: Partial<Message> = {}): Message {
  return {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
    ...fields,
  };
}

export function sendRequest(message: Message, options: { returnImmediately?: boolean; metadata?: Record<string, unknown> } = {}): SendMessageRequest {
  return {
    tenant: '',
    message,
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: options.returnImmediately ?? false,
    },
    metadata: options.metadata,
  };
}

/** The seq of our event a stream frame came from (status and artifact updates carry it). */
export function seqOf(event: StreamResponse): number | undefined {
  const payload = event.payload;
  if (payload?.$case === 'statusUpdate' || payload?.$case === 'artifactUpdate') {
    return (payload.value.metadata?.ccs as { seq?: number } | undefined)?.seq;
  }
  return undefined;
}

export function inlineScript(steps: unknown[]): string {
  return `[[script:${JSON.stringify({ steps })}]]`;
}

export const ALPHA_KEY = 'a2a-alpha-key-5c0d1e9f';
export const BETA_KEY = 'a2a-beta-key-7a3b8e21';
export const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

/** A real server (real CLI, scripted model) with two tenants, alpha and beta, and signed webhooks to loopback. */
export async function startA2aServer(env: Record<string, string> = {}): Promise<TestServer> {
  const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-a2a-keys-${process.pid}-${randomUUID()}.yaml`);
  writeFileSync(
    keysFile,
    ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
  );
  return startTestServer({
    API_AUTH_ENABLED: 'true',
    API_KEYS_FILE: keysFile,
    WEBHOOK_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_BASE_MS: '200',
    SESSION_MAX_CONCURRENT: '4',
    ...env,
  });
}

/** Clients per key and binding, made once per suite. */
export function clientCache(server: () => TestServer) {
  const clients = new Map<string, Client>();
  return async (key: string, binding: Binding = 'JSONRPC'): Promise<Client> => {
    const name = `${key}/${binding}`;
    if (!clients.has(name)) clients.set(name, await a2aClient(server().baseUrl, key, binding));
    return clients.get(name)!;
  };
}

export function asTask(result: unknown): Task {
  if (!result || typeof result !== 'object' || !('status' in result)) throw new Error(`expected a Task, got ${JSON.stringify(result)}`);
  return result as Task;
}

/** The first part of an artifact: its text, or its data. */
export function artifactValue(task: Task, artifactId: string): unknown {
  return task.artifacts.find((a) => a.artifactId === artifactId)?.parts[0]?.content?.value;
}
