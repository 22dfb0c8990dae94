import { describe, expect, it } from 'vitest';
import { dirsBelowRoot } from '../../src/workspaces/workspace-ownership.js';

/** Which directories a hand-over re-owns one by one: those between the tenant's root and the target, never the root. */
describe('dirsBelowRoot', () => {
  it.each([
    ['/ws/a', '/ws/a/x/y', ['/ws/a/x', '/ws/a/x/y'], 'every directory below the root, shallowest first'],
    ['/ws/a', '/ws/a/x', ['/ws/a/x'], 'a child of the root'],
    ['/ws/a', '/ws/a', [], 'the root itself'],
    ['/ws/a/', '/ws/a/x', ['/ws/a/x'], 'a root given with a trailing slash'],
    ['/ws/a', '/ws/a/..cache', ['/ws/a/..cache'], 'a child whose name starts with two dots'],
    ['/ws/a', '/ws/ab/x', [], 'a sibling sharing the prefix'],
    ['/ws/a', '/ws', [], 'above the root'],
  ])('root %s, from %s: %j (%s)', (root, from, expected) => {
    expect(dirsBelowRoot(root, from)).toEqual(expected);
  });
});
