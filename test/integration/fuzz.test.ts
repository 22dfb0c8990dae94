import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTaskSchema } from '../../src/http/schemas.js';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import { request, upgradeStatus, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Malformed requests, generated from a seed: none may get a 5xx, every error must come in the
 * one error shape with a catalogued code and its status, no task may be created, and the
 * server must still answer afterwards. Reproduce a failure with FUZZ_SEED=<seed printed>.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const PARALLEL = 6;

/** mulberry32: small, fast, good enough to drive a fuzzer, and reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  string(maxLength = 20): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
      'éüß✓漢字🙂\u0000\u0007\u001f\u007f\u200b\u202e\ud800\uffff',
    ];
    let out = '';
    const length = this.int(0, maxLength);
    for (let i = 0; i < length; i++) out += this.pick([...this.pick(alphabets)]);
    return out;
  }
  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const kind = this.int(0, depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.bool();
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, this.int(-1e6, 1e6)]);
      case 3:
      case 4:
        return this.string(this.pick([5, 30, 300]));
      case 5:
        return '';
      case 6:
      case 7:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--)
          object[this.pick([this.string(8), 'prompt', 'task_id', 'options', 'session', '__proto__', 'constructor'])] = this.json(depth - 1);
        return object;
      }
    }
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(0, 255)));
  }
}

interface Case {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** encodeURIComponent, which refuses lone surrogates: those become U+FFFD first. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };
const UNKNOWN_SESSION = 'fuzz-no-such-session';

/** A task id that is wrong in some way, ready for a path: unicode, percent-encoding, length, dots. */
function badId(g: Gen): string {
  return g.pick([
    () => enc(g.string(30)),
    () => g.pick(['%', '%zz', '%E0%A4%A', '%00', '%2F', '%2e%2e', '..', '.', '%C0%AF', '%FF%FE', '%u0041']),
    () => 'x'.repeat(g.pick([129, 200, 1000, 1025, 5000])),
    () => enc('漢字-🙂-' + g.string(5)),
    // Raw UTF-8 bytes on the wire (Node's client only refuses spaces and controls).
    () =>
      Buffer.from(`ü✓${g.string(3)}`, 'utf8')
        .toString('latin1')
        .split('')
        .filter((c) => c > ' ' && c !== '\x7f')
        .join(''),
    () => 'known-task' + g.pick(['%20', '%0A', ';', '?x', '#frag', '/..', '/../known-task']),
    () => g.pick(['known-task', 'nope', 'task-' + g.int(0, 1e9)]),
  ])();
}

/** A submission body that is broken in at least one way, so nothing ever runs. */
function brokenSubmission(g: Gen): unknown {
  const body: Record<string, unknown> = { prompt: g.bool(0.8) ? `fuzz ${g.string(10)}` : g.json(1) };
  if (g.bool()) body.task_id = g.bool() ? `fuzz-${g.int(0, 1e6)}` : g.json(1);
  if (g.bool()) body.workspace = g.pick([g.string(20), '../../etc', '/etc', '', 'ws\u0000x', g.json(1)]);
  if (g.bool()) {
    body.options = g.pick([
      () => ({ max_turns: g.pick([0, -1, 1001, 1.5, '10', null]) }),
      () => ({ permission_mode: g.pick(['root', '', 'ACCEPTEDITS', 7]) }),
      () => ({ allowed_tools: g.pick(['Bash', [1, 2], [g.string(300)], Array(101).fill('Read')]) }),
      () => ({ timeout: g.pick([0, -5, 86_401, 'soon', Infinity]) }),
      () => ({ model: g.pick(['', 5, 'x'.repeat(201)]) }),
      () => ({ [g.string(6) || 'x']: g.json(2) }),
      () => g.json(2),
    ])();
  }
  if (g.bool(0.3)) body.session = g.pick([g.json(2), { reuse_existing: 'yes' }, { session_id: g.string(10) + ' bad' }]);
  // Break it once more at random, and if it still happens to be valid, aim it at a session that
  // does not exist: 404, and nothing runs.
  const breakers = [
    () => (body[g.pick(['maxTurns', 'extra', g.string(5) || 'z'])] = g.json(1)),
    () => (body.prompt = g.pick(['', '   ', 42, null, ['x'], { text: 'x' }, 'x'.repeat(200_001)])),
    () => (body.task_id = g.pick(['', ' x', 'x'.repeat(129), 'a/b', '-x', '漢字', 12])),
    () => undefined,
  ];
  g.pick(breakers)();
  if (submitTaskSchema.safeParse(body).success) body.session = { reuse_existing: true, session_id: UNKNOWN_SESSION };
  return body;
}

function deepJson(g: Gen): string {
  const depth = g.pick([100, 1000, 5000, 20_000]);
  const [open, close] = g.pick([
    ['[', ']'],
    ['{"a":', '}'],
  ]);
  const inner = open!.repeat(depth) + '1' + close!.repeat(depth);
  return g.pick([`{"prompt":"x","options":${inner}}`, `{"prompt":${inner}}`, inner, inner.slice(0, -1)]);
}

function generate(g: Gen): Case {
  const kinds: (() => Case)[] = [
    () => ({ kind: 'broken submission', method: 'POST', path: '/api/v1/tasks', headers: JSON_TYPE, body: JSON.stringify(brokenSubmission(g)) }),
    () => {
      // Valid JSON of the wrong shape; an object still gets a defect of its own.
      let value = g.json(4);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) value = { ...value, unknown_field: true };
      return { kind: 'random json', method: 'POST', path: '/api/v1/tasks', headers: JSON_TYPE, body: JSON.stringify(value) ?? 'null' };
    },
    () => ({ kind: 'deep nesting', method: 'POST', path: '/api/v1/tasks', headers: JSON_TYPE, body: deepJson(g) }),
    () => ({
      kind: 'random bytes',
      method: g.pick(['POST', 'DELETE']),
      path: g.pick(['/api/v1/tasks', '/api/v1/tasks/known-task/interrupt', `/api/v1/sessions/${UNKNOWN_SESSION}`]),
      headers: JSON_TYPE,
      body: g.bytes(g.int(1, 2000)),
    }),
    () => ({
      kind: 'truncated json',
      method: 'POST',
      path: '/api/v1/tasks',
      headers: JSON_TYPE,
      body: JSON.stringify({ prompt: 'x', task_id: 'fuzz-t' }).slice(0, g.int(0, 25)),
    }),
    () => ({
      kind: 'huge body',
      method: 'POST',
      path: '/api/v1/tasks',
      headers: JSON_TYPE,
      body: `{"prompt":"${'x'.repeat(g.pick([1_100_000, 2_000_000]))}"}`,
    }),
    () => ({
      kind: 'bad content type',
      method: 'POST',
      path: g.pick(['/api/v1/tasks', '/api/v1/tasks/known-task/interrupt']),
      headers: {
        'content-type': g.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          'a/b;;;=',
          'application/json; charset=utf-16',
          '*/*',
          ';',
          'application/jsonx',
        ]),
      },
      // Never a valid submission, whatever the parser makes of the content type.
      body: g.pick(['{"prompt":"x","unknown_field":1}', 'prompt=x', '<x/>', '--x--', '']),
    }),
    () => ({ kind: 'no content type', method: 'POST', path: '/api/v1/tasks', headers: {}, body: g.pick(['{"prompt":"x"}', 'x']) }),
    () => {
      const id = badId(g);
      const suffix = g.pick([
        '',
        '/interrupt',
        '/events?format=json',
        '/events?format=json&after=' + g.pick(['-1', 'x', '1e3', '9'.repeat(20), '']),
        '/events?format=' + g.pick(['xml', '', 'JSON']),
        '/events?limit=' + g.pick(['0', '1001', 'NaN']),
      ]);
      const method = suffix === '/interrupt' ? 'POST' : g.pick(['GET', 'GET', 'HEAD', 'DELETE', 'PUT']);
      return { kind: 'bad task id', method, path: `/api/v1/tasks/${id}${suffix}`, headers: {} };
    },
    () => ({ kind: 'bad session id', method: g.pick(['GET', 'DELETE']), path: `/api/v1/sessions/${badId(g)}`, headers: {} }),
    () => ({
      kind: 'bad query',
      method: 'GET',
      path:
        g.pick(['/api/v1/tasks', '/api/v1/sessions', '/api/v1/tasks/known-task/events']) +
        '?' +
        g.pick([
          `status=${enc(g.string(8))}`,
          'limit=0',
          'limit=501',
          'limit=-1',
          'limit=abc',
          'limit=1&limit=2',
          'status[]=x',
          'format=json&format=sse',
          `cursor=${enc(g.string(40))}`,
          `cursor=${'c'.repeat(1001)}`,
          `${enc(g.string(5))}=${enc(g.string(5))}`,
          'after=-1',
          'after=1.5',
          '%zz=1',
          'a=%',
          '&&&',
          '=',
        ]),
      headers: {},
    }),
    () => ({
      kind: 'bad Last-Event-ID',
      method: 'GET',
      path: '/api/v1/tasks/known-task/events',
      headers: { 'last-event-id': g.pick(['-1', 'abc', '1.5', '9'.repeat(30), ' ', g.string(10).replace(/[^\x20-\x7e]/g, '')]) },
    }),
    () => ({
      kind: 'random route',
      method: g.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE']),
      path: g.pick([
        '/',
        '/api',
        '/api/v1',
        '/api/v2/tasks',
        '//api/v1/tasks',
        '/api/v1//tasks',
        '/ws',
        '/ws/tasks',
        `/ws/tasks/${badId(g)}`,
        '/ws/tasks/known-task',
        '/metrics',
        '/docs/../package.json',
        `/docs/${enc(g.string(10))}`,
        `/${enc(g.string(20))}`,
        '/health/x',
        '/api/v1/tasks/known-task/events/x',
      ]),
      headers: {},
    }),
    () => ({
      kind: 'wrong method',
      method: g.pick(['PUT', 'PATCH', 'DELETE', 'POST']),
      path: g.pick(['/health', '/api/v1/sessions', '/api/v1/tasks/known-task', '/api/v1/tasks/known-task/events', '/openapi.json']),
      headers: g.bool() ? JSON_TYPE : {},
      body: g.bool() ? '{}' : undefined,
    }),
    () => ({ kind: 'invalid http', method: g.pick(['FOO', 'G E T'.replace(/ /g, '')]), path: g.pick(['/', '/api/v1/tasks']), headers: {} }),
    () => ({
      kind: 'odd headers',
      method: 'GET',
      path: '/api/v1/tasks/known-task',
      headers: {
        'x-request-id': g.string(200).replace(/[^\x20-\x7e]/g, 'x'),
        authorization: `Bearer ${g.string(10).replace(/[^\x21-\x7e]/g, 'x')}`,
        accept: g.pick(['*/*', 'text/html', 'application/xml', '']),
      },
    }),
  ];
  return g.pick(kinds)();
}

interface Outcome {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(baseUrl: string, c: Case): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = http.request({ host: url.hostname, port: url.port, method: c.method, path: c.path, headers: c.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer (413) and close before a huge body is fully sent; the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.end(c.body);
  });
}

/** Why an answer is wrong, or undefined when it is fine. */
function problemWith(c: Case, outcome: Outcome): string | undefined {
  if (outcome.status >= 500) return `status ${outcome.status}`;
  if (c.method === 'POST' && c.path.split('?')[0] === '/api/v1/tasks' && outcome.status < 300) return `a task was accepted (${outcome.status})`;
  if (outcome.status < 400 || c.method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(outcome.text);
  } catch {
    return `error body is not JSON: ${JSON.stringify(outcome.text.slice(0, 100))}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return `error body has the wrong shape: ${outcome.text.slice(0, 200)}`;
  const known = ERROR_CATALOGUE[error.code as keyof typeof ERROR_CATALOGUE];
  if (!known) return `unknown error code ${error.code}`;
  if (known.status !== outcome.status) return `code ${error.code} came with status ${outcome.status}, not ${known.status}`;
  return undefined;
}

describe(`fuzz: malformed requests (FUZZ_SEED=${SEED})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1', TASK_QUEUE_MAX: '2' });
    // One real, finished task, so that ids, interrupts and event queries can also hit something that exists.
    const known = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'known-task', prompt: 'hello fuzz' });
    expect(known.status).toBe(201);
    await waitForStatus(server.baseUrl, 'known-task', ['completed']);
  });
  afterAll(async () => server?.close());

  it('refuses to resume after a seq the task never had, instead of waiting forever', async () => {
    const { body } = await request<{ events: unknown[] }>(server.baseUrl, 'GET', '/api/v1/tasks/known-task/events?format=json');
    const past = body.events.length + 1;
    for (const [url, headers] of [
      [`/api/v1/tasks/known-task/events?after=${past}`, {}],
      ['/api/v1/tasks/known-task/events', { 'last-event-id': String(past + 100) }],
    ] as const) {
      const answer = await request(server.baseUrl, 'GET', url, undefined, headers);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('has no event') } });
    }
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/known-task?after=${past}`)).toBe(400);
    // The last event itself is fine: nothing more to send.
    expect((await request(server.baseUrl, 'GET', `/api/v1/tasks/known-task/events?after=${past - 1}`)).status).toBe(204);
  });

  it('serves ids of the full allowed length (128) at every id route', async () => {
    const id = 'a'.repeat(128);
    for (const [method, url] of [
      ['GET', `/api/v1/tasks/${id}`],
      ['POST', `/api/v1/tasks/${id}/interrupt`],
      ['GET', `/api/v1/tasks/${id}/events?format=json`],
    ] as const) {
      expect((await request(server.baseUrl, method, url)).body).toEqual({ error: { code: 'TASK_NOT_FOUND', message: expect.any(String) } });
    }
    expect((await request(server.baseUrl, 'GET', `/api/v1/sessions/${id}`)).status).toBe(404);
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/${id}`)).toBe(404);
    // Percent-encoded, an id is three times as long, and still fits.
    expect((await request(server.baseUrl, 'GET', `/api/v1/tasks/${encodeURIComponent(':'.repeat(128))}`)).status).toBe(404);
  });

  it(`answers ${CASES} generated malformed requests without a 5xx, always in the error shape`, async () => {
    const g = new Gen(prng(SEED));
    const cases = Array.from({ length: CASES }, () => generate(g));
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index]!;
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        try {
          const problem = problemWith(c, await send(server.baseUrl, c));
          if (problem) failures.push(`#${index} ${c.kind}: ${c.method} ${c.path.slice(0, 120)} → ${problem}`);
        } catch (error) {
          failures.push(`#${index} ${c.kind}: ${c.method} ${c.path.slice(0, 120)} → no answer: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    expect(failures, `FUZZ_SEED=${SEED} reproduces these:\n${failures.slice(0, 30).join('\n')}`).toEqual([]);
    expect(kinds.size, `FUZZ_SEED=${SEED}: every kind of case ran`).toBeGreaterThanOrEqual(15);

    // Nothing was accepted: the only task is the one made above, and nothing runs or waits.
    const list = await request<{ tasks: { task_id: string }[] }>(server.baseUrl, 'GET', '/api/v1/tasks?limit=500');
    expect(list.body.tasks.map((t) => t.task_id)).toEqual(['known-task']);
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'healthy', active_tasks: 0, queued_tasks: 0 });
    expect(
      server.logs.filter((l) => l.level === 'ERROR'),
      `FUZZ_SEED=${SEED}`,
    ).toEqual([]);
  });
});
