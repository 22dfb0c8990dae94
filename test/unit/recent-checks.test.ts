import { describe, expect, it } from 'vitest';
import { RecentWorkspaceChecks } from '../../src/workspaces/recent-checks.js';

describe('RecentWorkspaceChecks', () => {
  it('spares the check before start only for the same tenant and directory, within the TTL', () => {
    let now = 1_000;
    const checks = new RecentWorkspaceChecks(2_000, () => now);
    checks.record('alpha', '/ws/alpha/repo');
    expect(checks.fresh('alpha', '/ws/alpha/repo')).toBe(true);
    expect(checks.fresh('beta', '/ws/alpha/repo')).toBe(false);
    expect(checks.fresh('alpha', '/ws/alpha/other')).toBe(false);
    now += 2_001;
    expect(checks.fresh('alpha', '/ws/alpha/repo')).toBe(false);
  });
});
