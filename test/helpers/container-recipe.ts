import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './daemon-process.js';

/** The unprivileged user the recipe runs as: `nobody` on Debian (the image creates its own). */
export const RECIPE_UID = 65534;

/** What the Dockerfile copies into the image, besides node_modules. */
const APP_FILES = ['package.json', 'package-lock.json', 'dist', 'ui/public', 'packages/client/package.json', 'packages/client/dist'];

/**
 * Production dependencies only, the way the image's build stage makes them (`npm prune
 * --omit=dev`), from a copy of this checkout's node_modules. Kept between runs under the temp
 * dir, keyed by the lockfile and the Node ABI, so only the first run pays for the copy.
 */
function prunedNodeModules(): string {
  const lock = readFileSync(path.join(REPO_ROOT, 'package-lock.json'));
  // Native addons in the copy are built for one Node ABI; another Node needs its own copy.
  const key = createHash('sha256').update(lock).update(process.versions.modules).digest('hex').slice(0, 16);
  const cache = path.join(tmpdir(), 'ccs-recipe-cache', key);
  const modules = path.join(cache, 'node_modules');
  if (existsSync(path.join(cache, '.complete'))) return modules;

  const staging = `${cache}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(REPO_ROOT, file), path.join(staging, file));
  // The real directory: a checkout whose node_modules is a symlink would copy the link, which npm
  // prune then replaces with a fresh install without install scripts, so with no native addons.
  execFileSync('cp', ['-a', realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(staging, 'node_modules')]);
  execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: staging, stdio: 'pipe' });
  cpSync(path.join(staging, 'package.json'), path.join(staging, '.complete'));
  rmSync(cache, { recursive: true, force: true });
  renameSync(staging, cache);
  return modules;
}

/**
 * The image's /app in a fresh directory: the built app and production node_modules, owned by
 * root and not writable by anyone else. node_modules is hard-linked from the cache when the
 * filesystem allows (instant), copied otherwise.
 */
export function prepareRecipeApp(into: string): string {
  if (!existsSync(path.join(REPO_ROOT, 'dist/src/cli/server-bin.js')) || !existsSync(path.join(REPO_ROOT, 'dist/ui/app.js'))) {
    throw new Error('build first: npm run build');
  }
  const app = path.join(into, 'app');
  mkdirSync(path.join(app, 'ui'), { recursive: true });
  mkdirSync(path.join(app, 'packages', 'client'), { recursive: true });
  for (const file of APP_FILES) cpSync(path.join(REPO_ROOT, file), path.join(app, file), { recursive: true });
  const modules = prunedNodeModules();
  try {
    execFileSync('cp', ['-al', modules, path.join(app, 'node_modules')], { stdio: 'pipe' });
  } catch {
    execFileSync('cp', ['-a', modules, path.join(app, 'node_modules')]);
  }
  // As in the image: root owns /app, so the server's user can read it and write nothing there.
  execFileSync('chown', ['-R', '0:0', app]);
  execFileSync('chmod', ['-R', 'go-w', app]);
  return app;
}

/** Directories the unprivileged user owns: the only places it may write. */
export function writableDir(at: string): string {
  mkdirSync(at, { recursive: true });
  execFileSync('chown', [`${RECIPE_UID}:${RECIPE_UID}`, at]);
  return at;
}
