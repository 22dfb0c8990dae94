import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/lib/paths.js';

describe('isInside: the one path-containment check', () => {
  it.each([
    ['/ws/a', '/ws/a', true, 'the root itself'],
    ['/ws/a/', '/ws/a', true, 'the root with a trailing slash'],
    ['/ws/a', '/ws/a/', true, 'a root given with a trailing slash'],
    ['/ws/a/project', '/ws/a', true, 'a child'],
    ['/ws/a/project/', '/ws/a/', true, 'a child and a root with trailing slashes'],
    ['/ws/a/..cache', '/ws/a', true, 'a child whose name starts with two dots'],
    ['/ws/a/...', '/ws/a', true, 'a child named three dots'],
    ['/ws/a/x/../y', '/ws/a', true, 'a `..` that stays inside'],
    ['/ws/a//deep///er', '/ws/a', true, 'repeated slashes'],
    ['/ws/a/..', '/ws/a', false, 'the parent through `..`'],
    ['/ws/a/../b', '/ws/a', false, 'a sibling through `..`'],
    ['/ws/a/x/../../b', '/ws/a', false, '`..` in the middle'],
    ['/ws/ab', '/ws/a', false, 'a sibling sharing the prefix'],
    ['/ws/a-other/x', '/ws/a', false, 'a sibling sharing the prefix, deeper'],
    ['/ws', '/ws/a', false, 'the parent'],
    ['/etc', '/ws/a', false, 'an absolute path elsewhere'],
    ['/', '/ws/a', false, 'the filesystem root'],
    ['/anything', '/', true, 'anything, below /'],
  ])('%s in %s: %s (%s)', (child, parent, expected) => {
    expect(isInside(child, parent)).toBe(expected);
  });
});
