import { randomUUID } from 'node:crypto';
import { Role, type Message, type SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';

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
