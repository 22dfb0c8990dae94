/**
 * What the network attack suite (network.test.ts) needs around its daemons: local stand-ins for
 * hosts on the internet, free ports, this host's addresses, and a task that runs net-probe.mjs
 * with the plan it is given and reports what the probe found and what the proxy refused.
 */
import { copyFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import type { DaemonProcess } from '../helpers/daemon-process.js';

const PROBE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'net-probe.mjs');
/** Puts the probe script into a workspace, where the task's Bash can run it. */
export const installProbe = (repo: string) => copyFileSync(PROBE_SCRIPT, path.join(repo, 'net-probe.mjs'));
export const ALLOWED_BODY = 'egress-allowed-canary';
export const OTHER_BODY = 'egress-other-canary';

type Finding = { ok: boolean; body?: string; status?: number; error?: string };
export type Findings = Record<string, Finding>;
export interface Blocked {
  host: string;
  port: number;
  reason: string;
}

/** Local stand-ins for hosts on the internet: two HTTP servers and a TCP echo server (on every interface). */
export interface Targets {
  allowed: http.Server;
  other: http.Server;
  echo: net.Server;
  port(server: net.Server | http.Server): number;
  close(): Promise<void>;
}

async function listen<T extends net.Server>(server: T): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()));
  return server;
}

export async function startTargets(): Promise<Targets> {
  const allowed = await listen(http.createServer((_req, res) => res.end(ALLOWED_BODY)));
  const other = await listen(http.createServer((_req, res) => res.end(OTHER_BODY)));
  const echo = await listen(net.createServer((socket) => socket.pipe(socket)));
  return {
    allowed,
    other,
    echo,
    port: (server) => (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const server of [allowed, other, echo]) {
        if (server instanceof http.Server) server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

export async function freePort(): Promise<number> {
  const server = await new Promise<net.Server>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** This host's addresses other than loopback. */
export function otherHostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')
    .map((entry) => entry!.address);
}

const probePrompt = (plan: unknown) => `[[script:bash]][[cmd:node net-probe.mjs ${Buffer.from(JSON.stringify(plan)).toString('base64')}]]`;
export const httpCode = (url: string, ...extra: string[]) => ({ args: ['-o', '/dev/null', '-w', '%{http_code}', ...extra, url] });
export const fetchBody = (url: string, ...extra: string[]) => ({ args: [...extra, url] });

export interface Harness {
  daemon: DaemonProcess;
  key?: string;
}

export async function runProbe(
  h: Harness,
  taskId: string,
  workspace: string,
  plan: unknown,
  options?: Record<string, unknown>,
): Promise<{ findings: Findings; blocked: Blocked[]; task: Record<string, unknown> }> {
  const headers: Record<string, string> = h.key ? { 'x-api-key': h.key } : {};
  const body = { task_id: taskId, prompt: probePrompt(plan), workspace, ...(options ? { options } : {}) };
  const submitted = await request(h.daemon.baseUrl, 'POST', '/api/v1/tasks', body, headers);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  const task = await waitForStatus(h.daemon.baseUrl, taskId, ['completed', 'failed', 'interrupted', 'timed_out'], 120_000, headers);
  expect(task.status, JSON.stringify(task.error)).toBe('completed');
  const events = (await request(h.daemon.baseUrl, 'GET', `/api/v1/tasks/${taskId}/events?format=json&limit=500`, undefined, headers)).body.events as {
    type: string;
    data: Record<string, unknown>;
  }[];
  const blob = /NET-FINDINGS:([A-Za-z0-9+/=]+):END/.exec(JSON.stringify(events))?.[1];
  expect(blob, 'the probe ran and reported').toBeDefined();
  const blocked = events.filter((e) => e.type === 'network_blocked').map((e) => e.data as unknown as Blocked);
  return { findings: JSON.parse(Buffer.from(blob!, 'base64').toString('utf8')) as Findings, blocked, task };
}
