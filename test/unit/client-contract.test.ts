import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as R from '../../src/http/response-schemas.js';
import type * as T from '../../src/http/trigger-response-schemas.js';
import type { createTriggerSchema, fireTriggerSchema } from '../../src/http/trigger-schemas.js';
import type { forkSessionSchema } from '../../src/http/fork-schemas.js';
import type { secretListSchema, secretSchema } from '../../src/http/secret-response-schemas.js';
import type { setSecretSchema } from '../../src/http/secret-schemas.js';
import type { listSessionsQuerySchema, listTasksQuerySchema, submitTaskSchema } from '../../src/http/schemas.js';
import type { createScheduleSchema, listScheduleRunsQuerySchema, updateScheduleSchema } from '../../src/http/schedule-schemas.js';
import * as client from '../../packages/client/src/index.js';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';

/**
 * The client is written out by hand (it has no runtime dependency), so this suite pins it to
 * openapi.json, which test/unit/openapi.test.ts pins to the server: routes and enums at run time,
 * every request and response type at compile time (tsc, run by `npm run lint`).
 */

interface Operation {
  operationId: string;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { enum?: string[]; oneOf?: { $ref: string }[]; properties?: Record<string, { enum?: string[] }> }> };
}

const document = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as OpenApi;
const schemas = document.components.schemas;

describe('client route table against openapi.json', () => {
  it('has exactly the documented operations, with their methods and paths', () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${op.operationId} ${method.toUpperCase()} ${path}`))
      .sort();
    const table = Object.entries(client.ROUTES)
      .map(([id, route]) => `${id} ${route.method} ${route.path}`)
      .sort();
    expect(table).toEqual(documented);
  });

  it('reads the event routes as streams and the rest as single answers', () => {
    expect(client.ROUTES.taskEventsWebSocket.kind).toBe('websocket');
    expect(client.ROUTES.getDocs.kind).toBe('text');
    expect(client.ROUTES.getTaskDiff.kind).toBe('text');
    const json = Object.entries(client.ROUTES)
      .filter(([, r]) => r.kind === 'json')
      .map(([id]) => id);
    for (const raw of ['uploadFile', 'readFile', 'getTaskArchive'] as const) expect(client.ROUTES[raw].kind).toBe('binary');
    expect(json).toHaveLength(Object.keys(client.ROUTES).length - 6);
  });
});

describe('client enums against openapi.json', () => {
  it('task statuses, permission modes, session statuses', () => {
    expect([...client.TASK_STATUSES]).toEqual(schemas.TaskStatus?.enum);
    expect([...client.PERMISSION_MODES]).toEqual(schemas.TaskOptionsRequest?.properties?.permission_mode?.enum);
    expect([...client.SESSION_STATUSES]).toEqual(schemas.Session?.properties?.status?.enum);
  });

  it('event types', () => {
    const types = (schemas.TaskEvent?.oneOf ?? []).map((o) => schemas[o.$ref.split('/').at(-1)!]?.properties?.type);
    expect(types.map((t) => (t as { const?: string } | undefined)?.const)).toEqual([...client.EVENT_TYPES]);
  });

  it('error codes: the same catalogue as the server', () => {
    expect([...client.ERROR_CODES].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    const errorSchema = schemas.Error as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } };
    expect([...client.ERROR_CODES].sort()).toEqual([...(errorSchema.properties?.error?.properties?.code?.enum ?? [])].sort());
  });
});

describe('client types equal the server schemas (checked by tsc)', () => {
  it('compiles', () => {
    expectTypeOf<client.Task>().toEqualTypeOf<z.infer<typeof R.taskSchema>>();
    expectTypeOf<client.SubmittedTask>().toEqualTypeOf<z.infer<typeof R.submitTaskResponseSchema>>();
    expectTypeOf<client.TaskList>().toEqualTypeOf<z.infer<typeof R.taskListSchema>>();
    expectTypeOf<client.Session>().toEqualTypeOf<z.infer<typeof R.sessionSchema>>();
    expectTypeOf<client.SessionList>().toEqualTypeOf<z.infer<typeof R.sessionListSchema>>();
    expectTypeOf<client.DeletedSession>().toEqualTypeOf<z.infer<typeof R.deletedSessionSchema>>();
    expectTypeOf<client.WsTicket>().toEqualTypeOf<z.infer<typeof R.wsTicketSchema>>();
    expectTypeOf<client.Health>().toEqualTypeOf<z.infer<typeof R.healthSchema>>();
    expectTypeOf<client.TaskEvent>().toEqualTypeOf<z.infer<typeof R.taskEventSchema>>();
    expectTypeOf<client.EventPage>().toEqualTypeOf<z.infer<typeof R.eventPageSchema>>();
    expectTypeOf<client.TaskError>().toEqualTypeOf<z.infer<typeof R.taskErrorSchema>>();
    expectTypeOf<client.WebhookDeliveryList>().toEqualTypeOf<z.infer<typeof R.webhookDeliveryListSchema>>();
    expectTypeOf<client.SubmitTaskRequest>().toEqualTypeOf<z.input<typeof submitTaskSchema>>();
    expectTypeOf<client.Trigger>().toEqualTypeOf<z.infer<typeof T.triggerSchema>>();
    expectTypeOf<client.IssuedTrigger>().toEqualTypeOf<z.infer<typeof T.issuedTriggerSchema>>();
    expectTypeOf<client.TriggerList>().toEqualTypeOf<z.infer<typeof T.triggerListSchema>>();
    expectTypeOf<client.DeletedTrigger>().toEqualTypeOf<z.infer<typeof T.deletedTriggerSchema>>();
    expectTypeOf<client.CreateTriggerRequest>().toEqualTypeOf<z.input<typeof createTriggerSchema>>();
    expectTypeOf<client.FireTriggerRequest>().toEqualTypeOf<z.input<typeof fireTriggerSchema>>();
    expectTypeOf<client.ListTasksQuery>().toExtend<z.input<typeof listTasksQuerySchema>>();
    expectTypeOf<client.ListSessionsQuery>().toEqualTypeOf<z.input<typeof listSessionsQuerySchema>>();
    expectTypeOf<client.ForkSessionRequest>().toEqualTypeOf<z.input<typeof forkSessionSchema>>();
    expectTypeOf<client.ArgsOf<'getTask'>>().toEqualTypeOf<{ path: { task_id: string } }>();
    expectTypeOf<client.ResponseOf<'interruptTask'>>().toEqualTypeOf<client.Task>();
    expectTypeOf<client.Schedule>().toEqualTypeOf<z.infer<typeof R.scheduleSchema>>();
    expectTypeOf<client.ScheduleList>().toEqualTypeOf<z.infer<typeof R.scheduleListSchema>>();
    expectTypeOf<client.DeletedSchedule>().toEqualTypeOf<z.infer<typeof R.deletedScheduleSchema>>();
    expectTypeOf<client.ScheduleRunList>().toEqualTypeOf<z.infer<typeof R.scheduleRunListSchema>>();
    expectTypeOf<client.CreateScheduleRequest>().toEqualTypeOf<z.input<typeof createScheduleSchema>>();
    expectTypeOf<client.UpdateScheduleRequest>().toEqualTypeOf<z.input<typeof updateScheduleSchema>>();
    expectTypeOf<client.ListScheduleRunsQuery>().toExtend<z.input<typeof listScheduleRunsQuerySchema>>();
    expectTypeOf<client.Secret>().toEqualTypeOf<z.infer<typeof secretSchema>>();
    expectTypeOf<client.SecretList>().toEqualTypeOf<z.infer<typeof secretListSchema>>();
    expectTypeOf<client.SetSecretRequest>().toEqualTypeOf<z.input<typeof setSecretSchema>>();
  });
});

describe('client package', () => {
  it('runs in browsers: no Node built-in imported, `ws` only loaded on demand', () => {
    const dir = new URL('../../packages/client/src/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const imports = [...source.matchAll(/^import[^;]*from '([^']+)'/gm)].map((m) => m[1]!);
      expect(
        imports.filter((name) => !name.startsWith('./')),
        file,
      ).toEqual([]);
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
    }
  });

  it('is importable as claude-code-server/client, with type declarations (built by globalSetup)', () => {
    const script = "import { CcsClient, ROUTES } from 'claude-code-server/client'; console.log(typeof CcsClient, Object.keys(ROUTES).length);";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out.trim()).toBe(`function ${Object.keys(client.ROUTES).length}`);
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string }> };
    expect(readFileSync(new URL(`../../${manifest.exports['./client']!.types}`, import.meta.url), 'utf8')).toContain('export');
  });
});
