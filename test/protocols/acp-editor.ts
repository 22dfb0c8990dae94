import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { CCS_BIN, cleanEnv } from '../cli/helpers.js';

/** What the test editor answers to session/request_permission. */
export type PermissionAnswer = (request: acp.RequestPermissionRequest) => acp.RequestPermissionResponse | Promise<acp.RequestPermissionResponse>;

export interface AcpEditor {
  /** The agent side, as the SDK's client app calls it. */
  agent: acp.ClientContext;
  updates: acp.SessionNotification[];
  permissionRequests: acp.RequestPermissionRequest[];
  child: ChildProcess;
  stderr(): string;
  /** Resolves once an update matching `predicate` has arrived. */
  waitForUpdate(predicate: (n: acp.SessionNotification) => boolean): Promise<acp.SessionNotification>;
  close(): Promise<void>;
}

export const allow: PermissionAnswer = (request) => ({
  outcome: { outcome: 'selected', optionId: request.options.find((o) => o.kind === 'allow_once')!.optionId },
});
export const deny: PermissionAnswer = (request) => ({
  outcome: { outcome: 'selected', optionId: request.options.find((o) => o.kind === 'reject_once')!.optionId },
});

/**
 * An editor as ACP's own SDK builds one: it launches `ccs acp` and talks to it over stdio with
 * the SDK's client app (ndJsonStream + client().connect()), nothing of ours on this side.
 */
export async function launchAcpEditor(env: Record<string, string>, answer: PermissionAnswer = allow): Promise<AcpEditor> {
  const child = spawn(process.execPath, [CCS_BIN, 'acp'], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const updates: acp.SessionNotification[] = [];
  const permissionRequests: acp.RequestPermissionRequest[] = [];
  const waiters: { predicate: (n: acp.SessionNotification) => boolean; resolve: (n: acp.SessionNotification) => void }[] = [];
  const app = acp
    .client({ name: 'test-editor' })
    .onNotification(acp.methods.client.session.update, ({ params }) => {
      updates.push(params);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(params)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    })
    .onRequest(acp.methods.client.session.requestPermission, ({ params }) => {
      permissionRequests.push(params);
      return answer(params);
    });
  const stream = acp.ndJsonStream(Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>, Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>);
  const connection = app.connect(stream);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    agent: connection.agent,
    updates,
    permissionRequests,
    child,
    stderr: () => stderr,
    waitForUpdate: (predicate) => {
      const seen = updates.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close: async () => {
      connection.close();
      child.stdin!.end();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function initialize(editor: AcpEditor): Promise<acp.InitializeResponse> {
  return editor.agent.request(acp.methods.agent.initialize, { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: {} });
}

/** The `_meta.ccs` every update of ours carries: which task event it came from. */
export function origin(n: acp.SessionNotification): { task_id: string; seq: number } {
  return (n._meta as { ccs: { task_id: string; seq: number } }).ccs;
}
