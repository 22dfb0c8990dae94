#!/usr/bin/env node
// Exits 0 when <node_modules> holds exactly what `npm ci` would install from <checkout>'s
// package-lock.json on this machine, so scripts/test-on-node.sh may reuse it instead of
// installing again; 1 (with the reason on stderr) otherwise, and the caller runs `npm ci`.
//
//   node scripts/node-modules-match-lock.mjs <node_modules> <checkout>
//
// npm records what it installed in node_modules/.package-lock.json (its "hidden lockfile"). Every
// installed package must be the lock's (same version, tarball and integrity), and every package
// of the lock that is not installed must be an optional one (another platform's binary).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const [nodeModules, checkout] = process.argv.slice(2);
if (!nodeModules || !checkout) {
  process.stderr.write('usage: node scripts/node-modules-match-lock.mjs <node_modules> <checkout>\n');
  process.exit(2);
}

function mismatch(reason) {
  process.stderr.write(`node_modules cannot be reused: ${reason}\n`);
  process.exit(1);
}

const hiddenFile = path.join(nodeModules, '.package-lock.json');
const lockFile = path.join(checkout, 'package-lock.json');
if (!existsSync(hiddenFile)) mismatch(`no ${hiddenFile}`);
if (!existsSync(lockFile)) mismatch(`no ${lockFile}`);
const installed = JSON.parse(readFileSync(hiddenFile, 'utf8')).packages ?? {};
const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(checkout, 'package.json'), 'utf8'));

// `npm ci` refuses a lock that does not match package.json: leave that failure to it.
for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
  if (JSON.stringify(manifest[field] ?? {}) !== JSON.stringify(lock.packages?.['']?.[field] ?? {})) {
    mismatch(`package.json's ${field} differ from package-lock.json's`);
  }
}

const wanted = Object.entries(lock.packages ?? {}).filter(([key]) => key !== '');
for (const [key, entry] of wanted) {
  const have = installed[key];
  if (!have) {
    if (!entry.optional) mismatch(`${key} is not installed`);
    continue;
  }
  for (const field of ['version', 'resolved', 'integrity', 'link']) {
    if (have[field] !== entry[field]) mismatch(`${key}: installed ${field} ${have[field]}, the lock has ${entry[field]}`);
  }
}
for (const key of Object.keys(installed)) {
  if (!(key in lock.packages)) mismatch(`${key} is installed but not in the lock`);
}
