import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LuaScript } from '../../src/backends/redis/lua-script.js';

const SRC = path.resolve('src');

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, keep);
    return keep(entry.name) ? [full] : [];
  });
}

const scripts = filesUnder(SRC, (name) => name.endsWith('.lua')).filter((file) => !file.includes(`${path.sep}includes${path.sep}`));

/** The highest n of `KEYS[n]` a header declares ("-- KEYS: 1 task hash, 2 fence key"); 0 for "none". */
function declaredKeys(source: string): number {
  const line = /^-- KEYS: (.*)$/m.exec(source)?.[1] ?? '';
  return Math.max(0, ...[...line.matchAll(/(?:^|, )(\d+) /g)].map((m) => Number(m[1])));
}

describe('Lua scripts', () => {
  it('are files with a KEYS / ARGV / Returns header, and a script reads no KEYS it does not declare', () => {
    expect(scripts.length).toBeGreaterThan(20);
    for (const file of scripts) {
      const source = readFileSync(file, 'utf8');
      const header = source.split('\n').filter((line) => line.startsWith('--'));
      expect(
        header.some((line) => line.startsWith('-- KEYS: ')),
        file,
      ).toBe(true);
      expect(
        header.some((line) => line.startsWith('-- ARGV: ')),
        file,
      ).toBe(true);
      expect(
        header.some((line) => line.startsWith('-- Returns: ')),
        file,
      ).toBe(true);
      const used = Math.max(0, ...[...source.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect(used, file).toBeLessThanOrEqual(declaredKeys(source));
    }
  });

  it('every include resolves, and a piece included twice (directly or through another) is sent once', () => {
    for (const file of scripts) {
      const script = LuaScript.load(path.basename(file, '.lua'), new URL(`file://${path.dirname(file)}/`));
      expect(script.source, file).not.toMatch(/^-- @include/m);
      for (const fn of script.source.matchAll(/^local function (\w+)/gm)) {
        expect(script.source.split(`local function ${fn[1]}(`).length - 1, `${file}: ${fn[1]}`).toBe(1);
      }
    }
  });

  it('the fence check is written exactly once in src/', () => {
    const sources = filesUnder(SRC, (name) => /\.(lua|ts)$/.test(name)).filter((file) =>
      /function (check_fence|fence_check)\b/.test(readFileSync(file, 'utf8')),
    );
    expect(sources.map((file) => path.relative(SRC, file))).toEqual([path.join('backends', 'redis', 'lua', 'includes', 'fence-check.lua')]);
  });
});
