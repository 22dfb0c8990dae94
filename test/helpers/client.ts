import WebSocket from 'ws';
import type { TaskEvent } from '../../src/events/event-types.js';

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(baseUrl + path, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export interface StreamResult {
  events: TaskEvent[];
  closeCode: number;
  closeReason: string;
}

/** Connects, collects every event until the server closes the socket. */
export function collectEvents(url: string, timeoutMs = 30_000): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const events: TaskEvent[] = [];
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no close within ${timeoutMs} ms; got ${events.map((e) => e.type).join(',')}`));
    }, timeoutMs);
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as TaskEvent));
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ events, closeCode: code, closeReason: String(reason) });
    });
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { statusCode: res.statusCode }));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the HTTP status the server answered an upgrade with. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', reject);
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function waitForStatus(
  baseUrl: string,
  taskId: string,
  statuses: string[],
  timeoutMs = 30_000,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const { body } = await request(baseUrl, 'GET', `/api/v1/tasks/${taskId}`, undefined, headers);
    return statuses.includes(String(body.status)) ? body : undefined;
  }, timeoutMs);
}
