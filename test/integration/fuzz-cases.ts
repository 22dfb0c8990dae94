/** The kinds of malformed request the fuzz suite (fuzz.test.ts) sends, each drawn from a seeded generator. */
import { submitTaskSchema } from '../../src/http/schemas.js';
import type { Gen } from './fuzz-random.js';

export interface Case {
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

export function generate(g: Gen): Case {
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
