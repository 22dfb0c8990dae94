import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/daemon-process.js';

/**
 * The client as a stranger gets it: `npm pack` of packages/client (built by globalSetup),
 * installed offline from the tarball into an empty project beside nothing but `ws`, then
 * imported and type-checked there. Proves it needs nothing of the server (no zod, fastify,
 * SQLite or the SDK) and that its declarations stand on their own.
 */

const PACKAGE_DIR = path.join(REPO_ROOT, 'packages', 'client');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const run = (command: string, args: string[], cwd: string): string => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `npm pack` into `into`; the tarball's path and the files it holds. */
function pack(source: string, into: string): { tarball: string; files: string[] } {
  const [result] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', into, source], into)) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(into, result!.filename), files: result!.files.map((f) => f.path) };
}

const CONSUMER = `import { CcsApiError, CcsClient, ROUTES, TASK_STATUSES, type Task, type TaskEvent, type TaskStatus } from '@claude-code-server/client';

const client = new CcsClient({ baseUrl: 'http://127.0.0.1:9' });
const statuses: readonly TaskStatus[] = TASK_STATUSES;

export function describeEvent(event: TaskEvent): string {
  // Narrowed by the discriminant: only a complete event has data.status.
  return event.type === 'complete' ? event.data.status : event.type;
}

export async function finalStatus(taskId: string): Promise<Task['status']> {
  return (await client.tasks.get(taskId)).status;
}

export function wrongBody() {
  // @ts-expect-error a prompt is a string: the declarations are real types, not any
  return client.tasks.submit({ prompt: 42 });
}

console.log(typeof CcsClient, typeof CcsApiError, Object.keys(ROUTES).length, statuses.length);
`;

describe('the client package, packed and installed offline', () => {
  let dir: string;
  let consumer: string;
  let packedFiles: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ccs-client-package-'));
    const client = pack(PACKAGE_DIR, dir);
    packedFiles = client.files;
    const ws = pack(path.join(REPO_ROOT, 'node_modules', 'ws'), dir);
    consumer = path.join(dir, 'consumer');
    await mkdir(consumer);
    await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', client.tarball, ws.tarball], consumer);
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships its build and manifest only, and depends on nothing but an optional ws', async () => {
    expect(packedFiles).toContain('package.json');
    expect(packedFiles).toContain('dist/index.js');
    expect(packedFiles).toContain('dist/index.d.ts');
    expect(packedFiles.filter((f) => !/^(package\.json|README\.md|dist\/[\w-]+\.(js|d\.ts))$/.test(f))).toEqual([]);
    const manifest = JSON.parse(await readFile(path.join(consumer, 'node_modules', '@claude-code-server', 'client', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual({ ws: expect.any(String) });
    expect(manifest.peerDependenciesMeta).toEqual({ ws: { optional: true } });
    const installed = (await readdir(path.join(consumer, 'node_modules'))).filter((name) => !name.startsWith('.'));
    expect(installed.sort()).toEqual(['@claude-code-server', 'ws']);
  });

  it('type-checks a consumer against its declarations alone', async () => {
    await writeFile(path.join(consumer, 'index.ts'), CONSUMER);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        types: [],
        strict: true,
        skipLibCheck: false,
        outDir: 'out',
      },
      files: ['index.ts'],
    };
    await writeFile(path.join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer);
    const out = run(process.execPath, ['out/index.js'], consumer);
    expect(out.trim()).toMatch(/^function function \d+ 6$/);
  });
});
