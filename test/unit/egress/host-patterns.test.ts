import { describe, expect, it } from 'vitest';
import { firstUncovered, isAllowed, parseHostPattern, parseHostPatterns } from '../../../src/egress/host-patterns.js';

const list = (...entries: string[]) => parseHostPatterns(entries).patterns;

describe('egress allowlist entries', () => {
  it.each([
    ['example.com', 'exact', 'example.com', null],
    ['Example.COM.', 'exact', 'example.com', null],
    ['registry.npmjs.org:443', 'exact', 'registry.npmjs.org', 443],
    ['*.github.com', 'subdomains', 'github.com', null],
    ['*.github.com:22', 'subdomains', 'github.com', 22],
    ['*', 'any', '', null],
    ['*:443', 'any', '', 443],
    ['10.1.2.3:8080', 'exact', '10.1.2.3', 8080],
    ['[::1]:80', 'exact', '::1', 80],
    ['2001:db8::1', 'exact', '2001:db8::1', null],
  ])('parses %s', (entry, kind, host, port) => {
    expect(parseHostPattern(entry)).toMatchObject({ kind, host, port });
  });

  it.each([
    '',
    'exa mple.com',
    'example.com:0',
    'example.com:70000',
    'example.com:http',
    '*.',
    '*.1.2.3.4',
    'a..b',
    'http://example.com',
    '*example.com',
    'ex*.com',
  ])('refuses %j', (entry) => {
    expect(() => parseHostPattern(entry)).toThrow();
  });

  it.each([
    [['example.com'], 'example.com', 443, true],
    [['example.com'], 'EXAMPLE.com.', 80, true],
    [['example.com'], 'www.example.com', 443, false],
    [['example.com'], 'example.com.evil.net', 443, false],
    [['example.com:443'], 'example.com', 80, false],
    [['*.example.com'], 'a.b.example.com', 443, true],
    [['*.example.com'], 'example.com', 443, false],
    [['*.example.com'], 'badexample.com', 443, false],
    [['*'], 'anything.net', 1234, true],
    [['*:443'], 'anything.net', 80, false],
    [['10.0.0.1'], '10.0.0.1', 22, true],
    [['[::1]:80'], '::1', 80, true],
    [['[::1]:80'], '[::1]', 80, true],
    [[], 'example.com', 443, false],
  ])('%j allows %s:%i: %s', (entries, host, port, expected) => {
    expect(isAllowed(list(...entries), host, port)).toBe(expected);
  });

  it.each([
    [['*.example.com'], ['a.example.com', '*.b.example.com', '*.example.com:443'], null],
    [['*.example.com'], ['example.com'], 'example.com'],
    [['example.com:443'], ['example.com'], 'example.com'],
    [['example.com'], ['example.com:443'], null],
    [['*'], ['*', 'x.y:1'], null],
    [['*:443'], ['*'], '*'],
    [['a.com', 'b.com'], ['b.com', 'c.com'], 'c.com'],
    [[], ['a.com'], 'a.com'],
    [['a.com'], ['*.a.com'], '*.a.com'],
  ])('within %j, a task list %j leaves uncovered: %s', (tenant, task, uncovered) => {
    expect(firstUncovered(list(...tenant), list(...task))?.text ?? null).toBe(uncovered);
  });
});
