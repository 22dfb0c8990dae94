import { describe, expect, it } from 'vitest';
import { CredentialBroker } from '../../src/model-proxy/credential-broker.js';
import {
  backoffMs,
  failureCodeFor,
  isTransientNetworkError,
  isTransientStatus,
  mayRetry,
  retryAfterMs,
  type RetrySettings,
} from '../../src/model-proxy/retry-policy.js';

const SETTINGS: RetrySettings = { maxAttempts: 5, budgetMs: 10_000, baseDelayMs: 1000, maxDelayMs: 4000 };

describe('retry policy', () => {
  it('retries overload, rate limits and gateway errors, unless the API says not to', () => {
    for (const status of [429, 500, 502, 503, 504, 529]) expect(isTransientStatus(status, undefined)).toBe(true);
    for (const status of [200, 400, 401, 403, 404, 413]) expect(isTransientStatus(status, undefined)).toBe(false);
    expect(isTransientStatus(529, 'false')).toBe(false);
    expect(isTransientStatus(529, 'true')).toBe(true);
  });

  it('retries connection failures before the answer, not other errors', () => {
    expect(isTransientNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientNetworkError(new Error('socket hang up'))).toBe(true);
    expect(isTransientNetworkError(Object.assign(new Error('bad cert'), { code: 'CERT_HAS_EXPIRED' }))).toBe(false);
  });

  it('maps the final status to a stable code', () => {
    expect(failureCodeFor(429)).toBe('MODEL_RATE_LIMITED');
    expect(failureCodeFor(529)).toBe('MODEL_UNAVAILABLE');
    expect(failureCodeFor(null)).toBe('MODEL_UNAVAILABLE');
  });

  it('reads retry-after in seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now)).toBe(7000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeNull();
    expect(retryAfterMs({}, now)).toBeNull();
  });

  it('backs off exponentially with full jitter, capped; retry-after replaces it', () => {
    expect(backoffMs(1, SETTINGS, null, () => 0.999)).toBe(999);
    expect(backoffMs(2, SETTINGS, null, () => 0.999)).toBe(1998);
    expect(backoffMs(5, SETTINGS, null, () => 0.999)).toBe(3996);
    expect(backoffMs(3, SETTINGS, null, () => 0)).toBe(0);
    expect(backoffMs(1, SETTINGS, 12_000, () => 0.5)).toBe(12_000);
  });

  it('stops at the attempt limit and never starts a wait that ends past the budget', () => {
    expect(mayRetry(4, 0, 1000, 1000, SETTINGS)).toBe(true);
    expect(mayRetry(5, 0, 1000, 0, SETTINGS)).toBe(false);
    expect(mayRetry(1, 0, 9000, 1000, SETTINGS)).toBe(true);
    expect(mayRetry(1, 0, 9000, 1001, SETTINGS)).toBe(false);
  });
});

describe('credential broker', () => {
  it('a token serves a task only between activate and deactivate, and never after revoke', () => {
    const broker = new CredentialBroker();
    const credential = broker.mint();
    expect(broker.taskFor(credential.token)).toBeNull();
    credential.activate('task-1');
    expect(broker.taskFor(credential.token)).toBe('task-1');
    credential.deactivate();
    expect(broker.taskFor(credential.token)).toBeNull();
    credential.activate('task-2');
    expect(broker.taskFor(credential.token)).toBe('task-2');
    credential.revoke();
    expect(broker.taskFor(credential.token)).toBeNull();
    credential.activate('task-3');
    expect(broker.taskFor(credential.token)).toBeNull();
    expect(broker.size).toBe(0);
  });

  it('tokens are distinct per process and unknown or altered tokens serve nothing', () => {
    const broker = new CredentialBroker();
    const a = broker.mint();
    const b = broker.mint();
    expect(a.token).not.toBe(b.token);
    a.activate('task-a');
    expect(broker.taskFor(b.token)).toBeNull();
    expect(broker.taskFor(`${a.token}x`)).toBeNull();
    expect(broker.taskFor(a.token.slice(0, -1))).toBeNull();
    expect(broker.taskFor('')).toBeNull();
    expect(broker.taskFor(undefined)).toBeNull();
  });
});
