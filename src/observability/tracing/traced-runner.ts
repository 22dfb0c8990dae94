import type { AgentOutput, AgentRun, AgentRunner } from '../../agent/agent-types.js';
import type { TaskTraces } from './task-traces.js';

/** The agent runner with each run's agent start, turns and tool calls traced (when tracing is on). */
export function tracedRunner(runner: AgentRunner, traces: TaskTraces): AgentRunner {
  if (!traces.enabled) return runner;
  return {
    start(request) {
      const run = runner.start(request);
      traces.runStarted(request.taskId, () => run.processSource?.() ?? null);
      async function* traced(): AsyncGenerator<AgentOutput> {
        try {
          for await (const output of run.outputs) {
            traces.output(request.taskId, output);
            yield output;
          }
        } finally {
          traces.runEnded(request.taskId);
        }
      }
      return { ...bound(run), outputs: traced() };
    },
  };
}

function bound(run: AgentRun): AgentRun {
  return {
    outputs: run.outputs,
    interrupt: () => run.interrupt(),
    abort: () => run.abort(),
    stderrTail: () => run.stderrTail(),
    pid: () => run.pid(),
    ...(run.resourceLimit ? { resourceLimit: () => run.resourceLimit?.() ?? null } : {}),
    ...(run.processSource ? { processSource: () => run.processSource?.() ?? null } : {}),
  };
}
