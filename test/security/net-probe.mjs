// A hostile task's network probes: run by the agent's Bash tool inside the sandbox, it tries to
// reach host listeners directly and through the egress proxy the sandbox is given, and prints
// what happened base64-encoded. Usage: node net-probe.mjs <base64 JSON of the probes>
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import { URL } from 'node:url';

const plan = JSON.parse(Buffer.from(process.argv[2], 'base64').toString('utf8'));
const findings = {};

/** A TCP connection straight to host:port: { ok: true } if it was accepted. */
function direct(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(2000, () => done({ ok: false, error: 'timeout' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, error: String(error.code ?? error.message) }));
  });
}

/** curl with the sandbox's proxy environment (plus extra arguments): its output and exit code. */
function curl(args) {
  try {
    // NO_PROXY names loopback (the sandbox's own); these probes aim at the host's, through the proxy.
    const env = { ...process.env, NO_PROXY: '', no_proxy: '' };
    return { ok: true, body: execFileSync('curl', ['-sS', '-m', '8', ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).slice(0, 500) };
  } catch (error) {
    return { ok: false, status: error.status, error: String(error.stderr ?? error.message).slice(0, 300) };
  }
}

/** A raw CONNECT through the HTTP proxy, then one line through the tunnel (to an echo server). */
function connectEcho(host, port) {
  const proxy = new URL(process.env.HTTPS_PROXY);
  return new Promise((resolve) => {
    const req = http.request({ host: proxy.hostname, port: Number(proxy.port), method: 'CONNECT', path: `${host}:${port}` });
    req.setTimeout(8000, () => {
      req.destroy();
      resolve({ ok: false, error: 'timeout' });
    });
    req.once('error', (error) => resolve({ ok: false, error: String(error.code ?? error.message) }));
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ ok: false, status: res.statusCode });
      }
      socket.write('ping-through-tunnel\n');
      socket.once('data', (data) => {
        socket.destroy();
        resolve({ ok: true, status: 200, body: data.toString() });
      });
    });
    req.end();
  });
}

for (const probe of plan.direct ?? []) findings[`direct:${probe.name}`] = await direct(probe.host, probe.port);
for (const probe of plan.curl ?? []) findings[`curl:${probe.name}`] = curl(probe.args);
for (const probe of plan.connect ?? []) findings[`connect:${probe.name}`] = await connectEcho(probe.host, probe.port);

process.stdout.write(`NET-FINDINGS:${Buffer.from(JSON.stringify(findings)).toString('base64')}:END\n`);
