import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/lib/paths.js';

const here = process.cwd();

describe('isInside: the one path-containment check', () => {
  it.each([
    ['/ws/a', '/ws/a', true, 'the root itself'],
    ['/ws/a/', '/ws/a', true, 'the root with a trailing slash'],
    ['/ws/a', '/ws/a/', true, 'a root given with a trailing slash'],
    ['/ws/a/.', '/ws/a', true, 'the root through `.`'],
    ['/ws/a/project', '/ws/a', true, 'a child'],
    ['/ws/a/./project', '/ws/a', true, 'a child through `.`'],
    ['/ws/a/project/', '/ws/a/', true, 'a child and a root with trailing slashes'],
    ['/ws/a/..cache', '/ws/a', true, 'a child whose name starts with two dots'],
    ['/ws/a/..cache/x', '/ws/a', true, 'below a child whose name starts with two dots'],
    ['/ws/a/...', '/ws/a', true, 'a child named three dots'],
    ['/ws/a/x/../y', '/ws/a', true, 'a `..` that stays inside'],
    ['/ws/a//deep///er', '/ws/a', true, 'repeated slashes'],
    ['/ws/a/..', '/ws/a', false, 'the parent through `..`'],
    ['/ws/a/../', '/ws/a', false, 'the parent through `..` and a trailing slash'],
    ['/ws/a/../b', '/ws/a', false, 'a sibling through `..`'],
    ['/ws/a/x/../../b', '/ws/a', false, '`..` in the middle'],
    ['/ws/ab', '/ws/a', false, 'a sibling sharing the prefix'],
    ['/ws/a-other/x', '/ws/a', false, 'a sibling sharing the prefix, deeper'],
    ['/ws/a..', '/ws/a', false, 'a sibling named like the root plus two dots'],
    ['/ws', '/ws/a', false, 'the parent'],
    ['/etc', '/ws/a', false, 'an absolute path elsewhere'],
    ['/', '/ws/a', false, 'the filesystem root'],
    ['/anything', '/', true, 'anything, below /'],
    ['/', '/', true, '/ itself'],
    ['x/y', 'x', true, 'relative paths, both against the current directory'],
    ['x', here, true, 'a relative child of the current directory, given absolute'],
    [path.join(here, 'x'), '.', true, 'an absolute child of `.`'],
    ['.', here, true, '`.` is the current directory'],
    ['..', here, false, '`..` is above the current directory'],
    ['x/../..', 'x', false, 'a relative path that climbs out'],
    ['/ws/a', 'ws/a', here === '/', 'an absolute child of a relative parent: only if the current directory makes them meet'],
  ])('%s in %s: %s (%s)', (child, parent, expected) => {
    expect(isInside(child, parent)).toBe(expected);
  });

  it.each([
    ['/ws/a', '/ws/a', false, 'the root itself'],
    ['/ws/a/', '/ws/a', false, 'the root with a trailing slash'],
    ['/ws/a/x/..', '/ws/a', false, 'the root through `..`'],
    ['/ws/a/x', '/ws/a/', true, 'a child'],
    ['/ws/a/..cache', '/ws/a', true, 'a child whose name starts with two dots'],
    ['/ws/ab', '/ws/a', false, 'a sibling sharing the prefix'],
    ['/ws', '/ws/a', false, 'the parent'],
  ])('strictly: %s in %s: %s (%s)', (child, parent, expected) => {
    expect(isInside(child, parent, { strictly: true })).toBe(expected);
  });
});
