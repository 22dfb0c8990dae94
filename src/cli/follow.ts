import { createInterface } from 'node:readline';
import { CcsApiError, type CcsClient, type StreamTransport, type Task, type TaskEvent } from '../../packages/client/src/index.js';
import { EXIT, exitCodeForStatus } from './exit-codes.js';
import { formatCost, formatDuration, formatTokens, renderEvent } from './render.js';
import type { Terminal } from './terminal.js';

export interface FollowOptions {
  json: boolean;
  transport: StreamTransport;
  /** Where the Ctrl-C question is asked; only when it is a terminal. */
  input?: NodeJS.ReadStream;
  prompt?: NodeJS.WriteStream;
}

type CtrlCAnswer = 'interrupt' | 'detach';

/** Asks on the terminal; a second Ctrl-C or end of input means "leave it running". */
function askToInterrupt(taskId: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<CtrlCAnswer> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: true });
    let settled = false;
    const done = (answer: CtrlCAnswer) => {
      if (settled) return;
      settled = true;
      rl.close();
      resolve(answer);
    };
    rl.on('SIGINT', () => {
      output.write('\n');
      done('detach');
    });
    rl.on('close', () => done('detach'));
    rl.question(`\nInterrupt task ${taskId}? [y/N] `, (answer) => done(/^y(es)?$/i.test(answer.trim()) ? 'interrupt' : 'detach'));
  });
}

/**
 * Follows a task to its end: events rendered for a person (or as JSON lines), a spinner with the
 * elapsed time and tokens, and Ctrl-C asking whether to interrupt the task. Resolves with the
 * exit code: the task's final status, or EXIT.DETACHED when the user left it running.
 */
export async function followTask(ccs: CcsClient, term: Terminal, taskId: string, options: FollowOptions): Promise<number> {
  const c = term.colors;
  const task: Task = await ccs.tasks.get(taskId);
  const startedAt = Date.parse(task.started_at ?? task.created_at);
  let tokens = task.usage.input_tokens + task.usage.output_tokens;
  let cost = task.cost_usd;
  const statusLine = () => {
    const elapsed = formatDuration(Math.max(0, Date.now() - startedAt));
    return c.dim(`working… ${elapsed} · ${formatTokens(tokens, 0)} · ${formatCost(cost)}  (Ctrl-C to stop)`);
  };

  const detach = new AbortController();
  let asking: Promise<void> | undefined;
  const input = options.input ?? process.stdin;
  const promptOut = options.prompt ?? process.stderr;
  const onSigint = () => {
    if (asking) return;
    if (!input.isTTY) {
      detach.abort();
      return;
    }
    term.clearStatus();
    asking = askToInterrupt(taskId, input, promptOut).then(async (answer) => {
      if (answer === 'detach') return detach.abort();
      if (options.json) promptOut.write(`Interrupting task ${taskId}…\n`);
      else term.print([c.yellow(`Interrupting task ${taskId}…`)]);
      if (!options.json && term.live) term.status(statusLine);
      try {
        await ccs.tasks.interrupt(taskId);
      } catch (error) {
        // It finished while we asked: the stream will show how.
        if (!(error instanceof CcsApiError && error.code === 'TASK_NOT_RUNNING')) throw error;
      } finally {
        asking = undefined;
      }
    });
  };
  process.on('SIGINT', onSigint);

  let finalStatus: Task['status'] | undefined;
  try {
    if (!options.json && term.live) term.status(statusLine);
    const stream = ccs.tasks.stream(taskId, {
      transport: options.transport,
      signal: detach.signal,
      onReconnect: (info) => {
        if (!options.json) term.print([c.yellow(`… connection lost; resuming after event ${info.after}`)]);
      },
    });
    for await (const event of stream) {
      if (asking) await asking;
      if (event.type === 'progress') {
        tokens = event.data.input_tokens + event.data.output_tokens;
        cost = event.data.cost_usd;
      }
      if (event.type === 'complete') {
        finalStatus = event.data.status;
        term.clearStatus();
      }
      print(term, event, options.json);
    }
  } catch (error) {
    if (!detach.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', onSigint);
    term.clearStatus();
  }
  if (finalStatus === undefined) {
    process.stderr.write(`Stopped following. Task ${taskId} keeps running; follow it again with: ccs logs ${taskId} --follow\n`);
    return EXIT.DETACHED;
  }
  return exitCodeForStatus(finalStatus);
}

export function print(term: Terminal, event: TaskEvent, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
  else term.print(renderEvent(term.colors, event, term.live));
}
