/**
 * Network attacks, run as tasks through the real daemon (`node dist/src/main.js`), the real CLI
 * in its sandbox and the scripted model: the task runs test/security/net-probe.mjs with Bash,
 * which connects straight to every listener of this host it knows of (the REST API, the metrics
 * port, the model upstream, Redis, this host's other addresses) and through the egress proxy
 * the sandbox is given. Direct connections must all fail (the sandbox has a network of its own),
 * the proxy must refuse what the allowlists do not name, and each refusal must show up as a
 * network_blocked event and a metric. Run as root (a uid per tenant) and unprivileged (a user
 * namespace). A second part checks that allowlisted hosts do work: HTTP, CONNECT and SOCKS, the
 * tenant's own list, a task's narrower one, and a task that asks for more than its tenant has.
 */
import { createHash } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request } from '../helpers/client.js';
import { handOver, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import {
  ALLOWED_BODY,
  fetchBody,
  freePort,
  httpCode,
  installProbe,
  otherHostAddresses,
  OTHER_BODY,
  runProbe,
  startTargets,
  type Blocked,
  type Findings,
  type Targets,
} from './network-harness.js';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const MODES = [
  { mode: 'root (a uid per tenant)', asUser: undefined },
  { mode: 'non-root (user namespace)', asUser: 65534 },
] as const;

describe.each(MODES)('network attacks from a sandbox, $mode', ({ asUser }) => {
  let model: ScriptedModel;
  let redis: RedisServer;
  let targets: Targets;
  let daemon: DaemonProcess;
  let dir: string;
  let metricsPort: number;
  let ports: Record<string, number>;
  let findings: Findings;
  let blocked: Blocked[];

  beforeAll(async () => {
    model = await startScriptedModel();
    redis = await startRedisServer();
    targets = await startTargets();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-net-'));
    const workspaceRoot = path.join(dir, 'ws');
    const dataDir = path.join(dir, 'data');
    if (asUser !== undefined) handOver(asUser, workspaceRoot, dataDir);
    metricsPort = await freePort();
    const allowedPort = targets.port(targets.allowed);
    daemon = await startDaemon(
      {
        CLAUDE_API_KEY: 'sk-ant-net-test-key',
        CLAUDE_BASE_URL: model.url,
        WORKSPACE_ROOT: workspaceRoot,
        DATA_DIR: dataDir,
        METRICS_PORT: String(metricsPort),
        API_RATE_LIMIT_ENABLED: 'false',
        // Allowlisted, yet loopback: the proxy must still refuse it (AGENT_EGRESS_ALLOW_PRIVATE is off).
        AGENT_EGRESS_ALLOW: `localhost:${allowedPort}`,
      },
      asUser === undefined ? {} : { asUser },
    );
    ports = {
      api: Number(new URL(daemon.baseUrl).port),
      metrics: metricsPort,
      model: Number(new URL(model.url).port),
      redis: redis.port,
      allowed: allowedPort,
      other: targets.port(targets.other),
      echo: targets.port(targets.echo),
    };
    const repo = path.join(workspaceRoot, 'repo');
    mkdirSync(repo, { recursive: true });
    installProbe(repo);
    if (asUser !== undefined) chownSync(repo, asUser, asUser);
    const direct = [
      ...Object.entries(ports).map(([name, port]) => ({ name: `loopback-${name}`, host: '127.0.0.1', port })),
      { name: 'ipv6-loopback-api', host: '::1', port: ports.api },
      ...otherHostAddresses().flatMap((address) => [
        { name: `${address}-other`, host: address, port: ports.other },
        { name: `${address}-metrics`, host: address, port: ports.metrics },
      ]),
    ];
    const plan = {
      direct,
      curl: [
        { name: 'proxy-api', ...httpCode(`http://127.0.0.1:${ports.api}/health`) },
        { name: 'proxy-metrics', ...httpCode(`http://127.0.0.1:${ports.metrics}/metrics`) },
        { name: 'proxy-model', ...httpCode(`http://127.0.0.1:${ports.model}/v1/messages`) },
        { name: 'proxy-metadata', ...httpCode('http://169.254.169.254/latest/meta-data/') },
        { name: 'proxy-allowlisted-loopback', ...httpCode(`http://localhost:${ports.allowed}/`) },
        { name: 'proxy-https-unlisted', ...httpCode('https://example.invalid/') },
        { name: 'socks-redis', ...fetchBody(`http://127.0.0.1:${ports.redis}/`, '-x', 'socks5h://127.0.0.1:3128') },
      ],
      connect: [{ name: 'connect-redis', host: '127.0.0.1', port: ports.redis }],
    };
    // The probe runs in the prewarmed spare: its sockets, made before any task was known, must serve the task that claims it.
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const spares = async () => sampleValue(parsePrometheus(await (await fetch(metricsUrl)).text()), 'agent_processes', { state: 'spare' }) ?? 0;
    for (const deadline = Date.now() + 60_000; (await spares()) < 1 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    ({ findings, blocked } = await runProbe({ daemon }, 'net-attack', 'repo', plan));
  }, 300_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await targets?.close();
    await redis?.close();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('reaches no listener of this host directly: API, metrics, model upstream, Redis, other addresses', () => {
    const direct = Object.entries(findings).filter(([name]) => name.startsWith('direct:'));
    expect(direct.length).toBeGreaterThanOrEqual(8);
    for (const [name, result] of direct) expect(result, name).toMatchObject({ ok: false });
  });

  it('gets nothing through the egress proxy that the allowlist does not name, nor loopback even when it does', () => {
    for (const name of ['proxy-api', 'proxy-metrics', 'proxy-model', 'proxy-metadata', 'proxy-allowlisted-loopback']) {
      expect(findings[`curl:${name}`], name).toMatchObject({ body: '403' });
    }
    expect(findings['curl:proxy-https-unlisted']).toMatchObject({ ok: false });
    expect(findings['curl:socks-redis']).toMatchObject({ ok: false });
    expect(findings['connect:connect-redis']).toMatchObject({ ok: false, status: 403 });
  });

  it("reports each refusal on the task's stream as network_blocked {host, port, reason}", () => {
    expect(blocked).toEqual(
      expect.arrayContaining([
        { host: '127.0.0.1', port: ports.api, reason: 'not_allowed' },
        { host: '127.0.0.1', port: ports.metrics, reason: 'not_allowed' },
        { host: '169.254.169.254', port: 80, reason: 'not_allowed' },
        { host: 'localhost', port: ports.allowed, reason: 'private_address' },
        { host: 'example.invalid', port: 443, reason: 'not_allowed' },
        { host: '127.0.0.1', port: ports.redis, reason: 'not_allowed' },
      ]),
    );
  });

  it('counts refusals in agent_network_blocked_total and logs them', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const samples = parsePrometheus(text);
    expect(sampleValue(samples, 'agent_network_blocked_total', { reason: 'not_allowed' })).toBeGreaterThanOrEqual(5);
    expect(sampleValue(samples, 'agent_network_blocked_total', { reason: 'private_address' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'agent_process_starts_total', { source: 'spare' }), 'the probe ran in a claimed spare').toBe(1);
    expect(daemon.stdout()).toContain('Agent network connection blocked');
  });
});

describe('allowlisted egress works, and a task can only narrow its tenant list', () => {
  const ALPHA_KEY = 'alpha-key-net-5e1f0a9c3b';
  const BETA_KEY = 'beta-key-net-7c2d4e6f8a';
  let model: ScriptedModel;
  let targets: Targets;
  let daemon: DaemonProcess;
  let dir: string;
  let workspaceRoot: string;
  let p: { allowed: number; other: number; echo: number };

  const plan = () => ({
    curl: [
      { name: 'http-allowed', ...fetchBody(`http://127.0.0.1:${p.allowed}/`) },
      { name: 'connect-allowed', ...fetchBody(`http://127.0.0.1:${p.allowed}/`, '--proxytunnel') },
      { name: 'socks-allowed', ...fetchBody(`http://127.0.0.1:${p.allowed}/`, '-x', 'socks5h://127.0.0.1:3128') },
      { name: 'http-other', ...httpCode(`http://127.0.0.1:${p.other}/`) },
    ],
    connect: [{ name: 'echo', host: '127.0.0.1', port: p.echo }],
  });

  beforeAll(async () => {
    model = await startScriptedModel();
    targets = await startTargets();
    p = { allowed: targets.port(targets.allowed), other: targets.port(targets.other), echo: targets.port(targets.echo) };
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-egress-'));
    workspaceRoot = path.join(dir, 'ws');
    const keysFile = path.join(dir, 'keys.yaml');
    writeFileSync(
      keysFile,
      [
        'tenants:',
        '  - id: alpha',
        `    key_sha256: [${sha(ALPHA_KEY)}]`,
        `    egress_allow: ["127.0.0.1:${p.allowed}", "127.0.0.1:${p.echo}"]`,
        '  - id: beta',
        `    key_sha256: [${sha(BETA_KEY)}]`,
      ].join('\n'),
    );
    daemon = await startDaemon({
      CLAUDE_API_KEY: 'sk-ant-net-test-key',
      CLAUDE_BASE_URL: model.url,
      WORKSPACE_ROOT: workspaceRoot,
      DATA_DIR: path.join(dir, 'data'),
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile,
      API_RATE_LIMIT_ENABLED: 'false',
      // The default list (beta's, having none of its own): only the "other" server.
      AGENT_EGRESS_ALLOW: `127.0.0.1:${p.other}`,
      AGENT_EGRESS_ALLOW_PRIVATE: 'true',
    });
    for (const tenant of ['alpha', 'beta']) {
      const repo = path.join(workspaceRoot, tenant, 'repo');
      mkdirSync(repo, { recursive: true });
      installProbe(repo);
    }
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await targets?.close();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it("reaches the tenant's allowlisted hosts over HTTP, CONNECT and SOCKS; its list replaces the server default", async () => {
    const { findings, blocked } = await runProbe({ daemon, key: ALPHA_KEY }, 'alpha-open', 'repo', plan());
    for (const name of ['http-allowed', 'connect-allowed', 'socks-allowed'])
      expect(findings[`curl:${name}`], name).toMatchObject({ ok: true, body: ALLOWED_BODY });
    expect(findings['connect:echo']).toMatchObject({ ok: true, body: 'ping-through-tunnel\n' });
    expect(findings['curl:http-other']).toMatchObject({ body: '403' });
    expect(blocked).toEqual([{ host: '127.0.0.1', port: p.other, reason: 'not_allowed' }]);
  });

  it('a tenant without egress_allow gets AGENT_EGRESS_ALLOW', async () => {
    const { findings } = await runProbe({ daemon, key: BETA_KEY }, 'beta-open', 'repo', {
      curl: [
        { name: 'other', ...fetchBody(`http://127.0.0.1:${p.other}/`) },
        { name: 'allowed', ...httpCode(`http://127.0.0.1:${p.allowed}/`) },
      ],
    });
    expect(findings['curl:other']).toMatchObject({ ok: true, body: OTHER_BODY });
    expect(findings['curl:allowed']).toMatchObject({ body: '403' });
  });

  it('options.network.allow narrows the list for that task, and is kept on the task', async () => {
    const { findings, blocked, task } = await runProbe({ daemon, key: ALPHA_KEY }, 'alpha-narrow', 'repo', plan(), {
      network: { allow: [`127.0.0.1:${p.echo}`] },
    });
    expect(findings['connect:echo']).toMatchObject({ ok: true, body: 'ping-through-tunnel\n' });
    expect(findings['curl:http-allowed']?.body).toContain('is not on the egress allowlist');
    expect(findings['curl:socks-allowed']).toMatchObject({ ok: false });
    expect(blocked).toEqual(expect.arrayContaining([{ host: '127.0.0.1', port: p.allowed, reason: 'not_allowed' }]));
    expect(task.options).toMatchObject({ network: { allow: [`127.0.0.1:${p.echo}`] } });
  });

  it("refuses at submit (400) a task entry its tenant's list does not cover, naming the entry", async () => {
    for (const entry of ['example.com', `127.0.0.1`, '*']) {
      const response = await request(
        daemon.baseUrl,
        'POST',
        '/api/v1/tasks',
        { prompt: 'hi', workspace: 'repo', options: { network: { allow: [`127.0.0.1:${p.echo}`, entry] } } },
        { 'x-api-key': ALPHA_KEY },
      );
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'NETWORK_ALLOW_OUTSIDE_TENANT', details: { entry } });
      expect(String((response.body.error as { message: string }).message)).toContain(`"${entry}"`);
    }
  });
});
