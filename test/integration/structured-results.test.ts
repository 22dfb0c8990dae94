import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const FINAL = ['completed', 'failed', 'interrupted', 'timed_out'];
const SCHEMA = {
  type: 'object',
  properties: { summary: { type: 'string' }, files: { type: 'integer', minimum: 0 } },
  required: ['summary', 'files'],
  additionalProperties: false,
};
const script = (steps: unknown[]) => `[[script:${JSON.stringify({ steps })}]]`;
const answer = (input: unknown) => ({ tool: { name: 'StructuredOutput', input } });

/**
 * options.output_schema through the real CLI: the SDK's outputFormat, which the CLI enforces
 * with its structured-output tool, in a process started for the task and retired after it.
 */
describe('structured results (options.output_schema)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '2', WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => server?.close());

  async function run(taskId: string, prompt: string, options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: taskId, prompt, options });
    expect(submitted.status).toBe(201);
    return waitForStatus(server.baseUrl, taskId, FINAL, 60_000);
  }

  it('records a result that matches the schema as structured_result', async () => {
    const task = await run('structured-ok', script([answer({ summary: 'nothing to change', files: 0 })]), { output_schema: SCHEMA });
    expect(task).toMatchObject({ status: 'completed', error: null, structured_result: { summary: 'nothing to change', files: 0 } });
    expect((task.options as Record<string, unknown>).output_schema).toEqual(SCHEMA);
    // The process started for this schema is gone with its task: nothing else could use it.
    expect(server.agents.livePid('session-structured-ok')).toBeNull();
  });

  it('fails a task whose answers never match the schema: STRUCTURED_OUTPUT_INVALID', async () => {
    const wrong = answer({ summary: 42 });
    const task = await run('structured-bad', script([wrong, wrong, wrong, wrong, wrong, wrong, wrong, wrong, wrong, wrong]), {
      output_schema: SCHEMA,
      max_turns: 20,
    });
    expect(task).toMatchObject({
      status: 'failed',
      structured_result: null,
      error: { code: 'STRUCTURED_OUTPUT_INVALID', message: expect.stringMatching(/within its retries/) },
    });
  });

  it('leaves structured_result null for a task without a schema', async () => {
    const task = await run('structured-none', '[[script:write-file]] go', {});
    expect(task).toMatchObject({ status: 'completed', structured_result: null, options: { output_schema: null } });
  });

  it('refuses an output_schema that is not an object schema', async () => {
    for (const bad of [{ type: 'string' }, 'x', [], { properties: {} }]) {
      const refused = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x', options: { output_schema: bad } });
      expect(refused.status).toBe(400);
      expect((refused.body.error as { code: string }).code).toBe('VALIDATION_ERROR');
    }
  });
});
