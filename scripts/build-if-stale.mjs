#!/usr/bin/env node
// `npm start` runs this instead of the whole TypeScript build: a restart should take about a
// second, not the ~10 s of tsc on two cores. It builds when anything the build reads changed
// since the last successful build (or there is none, as in a fresh clone), so `npm start`
// always runs the current code.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-inputs');
const INPUT_DIRS = ['src', 'bench', 'ui/src', 'packages/client/src'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'ui/tsconfig.json',
  'packages/client/package.json',
  'packages/client/tsconfig.json',
];

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

/** Every input's path, size and mtime: an edit, an added or a removed file changes it. */
function inputsDigest() {
  const hash = createHash('sha256');
  const files = [
    ...INPUT_DIRS.flatMap((d) => (existsSync(path.join(root, d)) ? [...filesUnder(path.join(root, d))] : [])),
    ...INPUT_FILES.map((f) => path.join(root, f)),
  ];
  for (const file of files.sort()) {
    const stat = existsSync(file) ? statSync(file) : null;
    hash.update(`${path.relative(root, file)}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex');
}

const digest = inputsDigest();
const built = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : null;
if (built === digest && existsSync(path.join(root, 'dist', 'src', 'main.js'))) process.exit(0);

const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(STAMP, `${digest}\n`);
