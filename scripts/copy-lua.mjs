#!/usr/bin/env node
// tsc compiles only TypeScript: the Lua scripts the Redis backend (and the dev queue worker)
// read at run time are copied beside the compiled modules, keeping their paths under src/.
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const out = path.join(root, 'dist', 'src');

for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(out, path.relative(src, from)));
}
