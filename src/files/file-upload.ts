import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import type { StreamingProcess } from '../agent/isolation/sandbox-stream.js';
import { DomainError } from '../errors.js';
import { fileError } from './file-errors.js';
import { displayPath } from './file-paths.js';
import { COMMIT_SCRIPT, STAGE_SCRIPT } from './file-scripts.js';
import { firstLine, readAll } from './stream-lines.js';

/** An upload may take as long as its request; the request's own timeout cuts a slow one sooner. */
const UPLOAD_TIMEOUT_MS = 60 * 60 * 1000;
const COMMIT_TIMEOUT_MS = 30_000;

export interface UploadedFile {
  path: string;
  size: number;
  sha256: string;
}

export interface UploadRequest {
  identity: SandboxIdentity;
  workspace: string;
  names: readonly string[];
  body: Readable;
  /** False when the client hung up before sending its whole body. */
  complete: () => boolean;
  maxBytes: number;
}

/**
 * Streams a body into a workspace in two steps, both in the tenant's sandbox: STAGE_SCRIPT
 * checks the path and copies the bytes into a temporary file beside the target; once the whole
 * body has arrived within the limit, COMMIT_SCRIPT renames it over the target. A body cut short
 * or over the limit is discarded, so the target is either the old file or the whole new one.
 */
export async function uploadFile(sandbox: AgentSandbox, request: UploadRequest): Promise<UploadedFile> {
  const { identity, workspace, names, body, maxBytes } = request;
  const path = displayPath(names);
  const stage = sandbox.stream(identity, {
    command: 'bash',
    args: ['-c', STAGE_SCRIPT, 'stage-upload', workspace, ...names],
    cwd: '/',
    env: { MAX_BYTES: String(maxBytes) },
    timeoutMs: UPLOAD_TIMEOUT_MS,
  });
  const ready = await firstLine(stage.stdout);
  if (ready === null || !ready.startsWith('READY ')) {
    stage.kill();
    body.resume();
    throw fileError(ready, path, (await stage.exited).stderr);
  }
  const staged = ready.slice('READY '.length);
  const finish = (action: 'commit' | 'discard'): Promise<string | null> => commitStaged(sandbox, identity, workspace, names, staged, action);
  const sent = await pump(body, stage, maxBytes);
  if (sent.outcome !== 'whole' || !request.complete()) {
    // Let the stage end by itself (its stdin closed) before its file is removed: a killed
    // sandbox could still be writing it.
    stage.stdin.end();
    stage.stdout.resume();
    await stage.exited;
    await finish('discard');
    if (sent.outcome === 'over') throw new DomainError('FILE_TOO_LARGE', `The file is larger than FILE_UPLOAD_MAX_BYTES (${maxBytes} bytes)`);
    throw new Error('The upload ended before its whole body arrived');
  }
  stage.stdin.end();
  const rest = (await readAll(stage.stdout, 4096))?.toString('utf8').trim() ?? null;
  const exit = await stage.exited;
  if (rest !== `STAGED ${sent.size}`) {
    await finish('discard');
    throw fileError(rest, path, exit.stderr);
  }
  const answer = await finish('commit');
  if (answer !== 'OK') throw fileError(answer, path, '');
  return { path, size: sent.size, sha256: sent.sha256 };
}

/**
 * Copies the body to the command's stdin, counting and hashing; past maxBytes it stops writing
 * and drains the rest. Events rather than async iteration: a client that hung up before the
 * copy began must be seen as one at once, from the stream's state.
 */
function pump(body: Readable, stage: StreamingProcess, maxBytes: number): Promise<{ outcome: Outcome; size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  let outcome: Outcome = 'whole';
  return new Promise((resolve) => {
    let settled = false;
    const settle = (cut: boolean): void => {
      if (settled) return;
      settled = true;
      if (cut && outcome === 'whole') outcome = 'cut';
      body.off('data', onData);
      socket?.off('end', hungUp);
      socket?.off('close', hungUp);
      resolve({ outcome, size, sha256: hash.digest('hex') });
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (outcome !== 'whole') return;
      if (size > maxBytes) {
        outcome = 'over';
        return;
      }
      hash.update(chunk);
      if (!stage.stdin.write(chunk)) {
        body.pause();
        stage.stdin.once('drain', () => body.resume());
      }
    };
    body.on('data', onData);
    body.once('end', () => settle(false));
    body.once('error', () => settle(true));
    body.once('close', () => settle(!body.readableEnded));
    // Node's server keeps a request whose client half-closed mid-body open until the request
    // timeout; a FIN before the message is complete is a client that gave up.
    const request = body as Partial<IncomingMessage>;
    const socket = request.socket;
    const hungUp = (): void => {
      if (request.complete === false) settle(true);
    };
    socket?.once('end', hungUp);
    socket?.once('close', hungUp);
    void stage.exited.then(() => {
      // The stage died before the body ended: nothing more can be written.
      if (outcome === 'whole') outcome = 'cut';
      body.resume();
    });
    if (body.readableEnded) settle(false);
    else if (body.destroyed || socket?.destroyed === true) settle(true);
  });
}

type Outcome = 'whole' | 'over' | 'cut';

function commitStaged(
  sandbox: AgentSandbox,
  identity: SandboxIdentity,
  workspace: string,
  names: readonly string[],
  staged: string,
  action: 'commit' | 'discard',
): Promise<string | null> {
  return sandbox
    .run(identity, {
      command: 'bash',
      args: ['-c', COMMIT_SCRIPT, 'commit-upload', workspace, ...names],
      cwd: '/',
      env: { STAGED: staged, ACTION: action },
      timeoutMs: COMMIT_TIMEOUT_MS,
      maxOutputBytes: 4096,
      reusable: true,
    })
    .then((result) => result.stdout.toString('utf8').split('\n')[0] ?? null)
    .catch(() => null);
}
