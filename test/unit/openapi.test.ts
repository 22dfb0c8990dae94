import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { buildOpenApiDocument, renderOpenApiDocument } from '../../src/http/openapi.js';
import type * as R from '../../src/http/response-schemas.js';
import type { sessionView, submitView, taskView, webhookDeliveryView } from '../../src/http/views.js';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import type { TaskEvent } from '../../src/events/event-types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { composeServer, type ComposedServer } from '../../src/server/compose.js';

const COMMITTED = new URL('../../openapi.json', import.meta.url);

/** The real app on a real server (memory storage, no warm agent process), for inject(). */
async function appWith(dir: string, env: Record<string, string>): Promise<{ server: ComposedServer; app: FastifyInstance }> {
  const config = loadConfig(
    {
      CLAUDE_API_KEY: 'test-key',
      STORAGE_TYPE: 'memory',
      WARM_POOL_SIZE: '0',
      API_RATE_LIMIT_ENABLED: 'false',
      WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      DATA_DIR: path.join(dir, 'data'),
      ...env,
    },
    dir,
  );
  const server = await composeServer(config, silentLogger, { serverEnv: {} });
  await server.start();
  const { app } = await buildApp(server.services);
  await app.ready();
  return { server, app };
}

/** Routes that are deliberately not in the document. */
const UNDOCUMENTED = new Set(['GET /docs/:asset', 'GET /ui', 'GET /ui/:asset', 'GET /ui/api/me']);
/** Agent protocols with documents of their own (docs/protocols/), not the REST API's. */
const PROTOCOL_ROUTE = /^\S+ \/(a2a\/|agui$|\.well-known\/agent-card\.json$)/;

/** `METHOD /path` for every route printRoutes shows (HEAD twins excluded). */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = full;
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${full}`);
    }
  }
  return routes.sort();
}

function documentedRoutes(): string[] {
  const document = buildOpenApiDocument();
  return Object.entries(document.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`))
    .sort();
}

describe('OpenAPI document', () => {
  it('matches the committed openapi.json (run `npm run openapi` after changing the API)', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(committed, 'openapi.json is stale: run `npm run openapi` and commit the result').toBe(renderOpenApiDocument());
  });

  it('is OpenAPI 3.1 with resolvable references only', () => {
    const document = buildOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const text = JSON.stringify(document);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(10);
    const components = document.components as Record<string, Record<string, unknown>>;
    for (const [, kind, name] of refs) expect(components[kind!]?.[name!], `${kind}/${name}`).toBeDefined();
    expect(text).not.toContain('__shared');
    // Every $ref points into components; nothing else (no $defs left behind).
    expect([...text.matchAll(/"\$ref":"([^"]+)"/g)].every(([, r]) => r!.startsWith('#/components/'))).toBe(true);
  });

  it("describes the error shape, the event envelope, the seed's six event types, the approval round-trip's two and network_blocked", () => {
    const schemas = (buildOpenApiDocument().components as { schemas: Record<string, { oneOf?: { $ref: string }[] }> }).schemas;
    expect(schemas.Error).toBeDefined();
    expect(schemas.TaskEvent?.oneOf?.map((o) => o.$ref.split('/').at(-1))).toEqual([
      'MessageEvent',
      'ToolUseEvent',
      'ToolResultEvent',
      'ProgressEvent',
      'ErrorEvent',
      'CompleteEvent',
      'PermissionRequestEvent',
      'PermissionDecisionEvent',
      'NetworkBlockedEvent',
    ]);
  });

  it('takes request bodies and query parameters from the validating schemas', () => {
    const document = buildOpenApiDocument();
    const submit = (document.components as { schemas: Record<string, { required?: string[]; additionalProperties?: boolean }> }).schemas.SubmitTaskRequest;
    expect(submit).toMatchObject({ required: ['prompt'], additionalProperties: false });
    const listParams = (document.paths['/api/v1/tasks']!.get!.parameters as { name: string }[]).map((p) => p.name);
    expect(listParams).toEqual(['status', 'limit', 'cursor']);
  });

  describe('against the routes buildApp registers', () => {
    let dir: string;
    let server: ComposedServer;
    let app: FastifyInstance;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ccs-openapi-'));
      ({ server, app } = await appWith(dir, {}));
    });
    afterAll(async () => {
      await app?.close();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('documents every route', () => {
      const registered = registeredRoutes(app).filter((r) => !UNDOCUMENTED.has(r) && !PROTOCOL_ROUTE.test(r));
      expect(registered.length).toBeGreaterThanOrEqual(12);
      expect(documentedRoutes()).toEqual(registered);
    });

    it('serves the same document at /openapi.json and Swagger UI at /docs', async () => {
      const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(spec.statusCode).toBe(200);
      expect(spec.headers['content-type']).toContain('application/json');
      expect(spec.body).toBe(renderOpenApiDocument());
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-type']).toContain('text/html');
      // Offline: every script and stylesheet comes from this server, none from a CDN.
      const assets = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) {
        expect(asset.startsWith('/docs/')).toBe(true);
        expect((await app.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
      }
      const unknown = await app.inject({ method: 'GET', url: '/docs/package.json' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    });
  });
});

describe('docs with auth enabled', () => {
  let dir: string;
  let server: ComposedServer;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ccs-openapi-auth-'));
    ({ server, app } = await appWith(dir, { API_AUTH_ENABLED: 'true', API_API_KEY: 'docs-key-0123456789' }));
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('need the key like every route but /health', async () => {
    for (const url of ['/openapi.json', '/docs', '/docs/swagger-ui.css']) {
      const without = await app.inject({ method: 'GET', url });
      expect(without.statusCode, url).toBe(401);
      expect(without.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      expect((await app.inject({ method: 'GET', url, headers: { 'x-api-key': 'docs-key-0123456789' } })).statusCode, url).toBe(200);
    }
  });
});

describe('response schemas match the views (checked by tsc)', () => {
  it('compiles', () => {
    expectTypeOf<z.infer<typeof R.taskSchema>>().toEqualTypeOf<ReturnType<typeof taskView>>();
    expectTypeOf<z.infer<typeof R.submitTaskResponseSchema>>().toEqualTypeOf<ReturnType<typeof submitView>>();
    expectTypeOf<z.infer<typeof R.sessionSchema>>().toEqualTypeOf<ReturnType<typeof sessionView>>();
    expectTypeOf<z.infer<typeof R.webhookDeliverySchema>>().toEqualTypeOf<ReturnType<typeof webhookDeliveryView>>();
    expectTypeOf<TaskEvent>().toExtend<z.infer<typeof R.taskEventSchema>>();
  });
});
