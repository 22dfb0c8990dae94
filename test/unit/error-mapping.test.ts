import { describe, expect, it } from 'vitest';
import { invalidJsonMessage, toApiError } from '../../src/http/error-mapping.js';
import { ApiError, DomainError } from '../../src/errors.js';
import { StorageUnavailableError } from '../../src/storage/storage-unavailable.js';
import { QueueFullError } from '../../src/tasks/queue/task-queue.js';

/** What a client receives for an error: status, headers and body, as the error handler sends them. */
function answer(error: Error): { status: number; headers: Record<string, string>; body: unknown } {
  const mapped = toApiError(error);
  return { status: mapped.status, headers: mapped.headers, body: mapped.toBody() };
}

describe('domain errors as HTTP answers (src/http/error-mapping.ts)', () => {
  it('takes the status from the catalogue and keeps code, message and details', () => {
    expect(answer(new DomainError('TASK_NOT_FOUND', 'Task x not found'))).toEqual({
      status: 404,
      headers: {},
      body: { error: { code: 'TASK_NOT_FOUND', message: 'Task x not found' } },
    });
    expect(answer(new DomainError('VALIDATION_ERROR', 'bad', [{ path: 'p', message: 'm' }])).body).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'bad', details: [{ path: 'p', message: 'm' }] },
    });
  });

  it('sends a retry hint as Retry-After, in seconds', () => {
    expect(answer(new DomainError('SHUTTING_DOWN', 'Server is shutting down; not accepting new tasks', undefined, 10))).toEqual({
      status: 503,
      headers: { 'Retry-After': '10' },
      body: { error: { code: 'SHUTTING_DOWN', message: 'Server is shutting down; not accepting new tasks' } },
    });
  });

  it('answers a full queue 429 with the counts and Retry-After', () => {
    expect(answer(new QueueFullError('default', 3, 2))).toEqual({
      status: 429,
      headers: { 'Retry-After': '5' },
      body: { error: { code: 'QUEUE_FULL', message: 'Maximum concurrent sessions reached', details: { queued: 3, running: 2 } } },
    });
  });

  it('answers an unreachable backend 503 with its own retry delay', () => {
    expect(answer(new StorageUnavailableError('Redis is unreachable (ECONNREFUSED)'))).toEqual({
      status: 503,
      headers: { 'Retry-After': '5' },
      body: { error: { code: 'STORAGE_UNAVAILABLE', message: 'Storage is unavailable: Redis is unreachable (ECONNREFUSED)' } },
    });
    expect(answer(new StorageUnavailableError('Redis did not answer', 2)).headers).toEqual({ 'Retry-After': '2' });
  });

  it('answers degraded storage 507 when full and 503 otherwise, with Retry-After', () => {
    expect(answer(new StorageUnavailableError({ full: true, reason: 'SQLITE_FULL: database or disk is full' }))).toEqual({
      status: 507,
      headers: { 'Retry-After': '10' },
      body: { error: { code: 'STORAGE_FULL', message: 'Storage is full; retry later (SQLITE_FULL: database or disk is full)' } },
    });
    expect(answer(new StorageUnavailableError({ full: false, reason: 'SQLITE_IOERR: disk I/O error' })).body).toEqual({
      error: { code: 'STORAGE_UNAVAILABLE', message: 'Storage is unavailable; retry later (SQLITE_IOERR: disk I/O error)' },
    });
  });

  it('passes an ApiError through and hides anything unknown behind INTERNAL_ERROR', () => {
    const ready = new ApiError('RATE_LIMITED', 'slow down', undefined, { 'Retry-After': '3' });
    expect(toApiError(ready)).toBe(ready);
    expect(answer(new Error('secret detail'))).toEqual({
      status: 500,
      headers: {},
      body: { error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } },
    });
  });

  it("keeps what the JSON parser found wrong and drops its quote of the body, in each of V8's message forms", () => {
    expect(invalidJsonMessage('Unexpected token \'s\', ..."{"value": sk-secret-"... is not valid JSON')).toBe(
      "Request body is not valid JSON: Unexpected token 's'",
    );
    expect(invalidJsonMessage('Unexpected token \'x\', "xyz" is not valid JSON')).toBe("Request body is not valid JSON: Unexpected token 'x'");
    expect(invalidJsonMessage("Expected ',' or '}' after property value in JSON at position 21")).toBe(
      "Request body is not valid JSON: Expected ',' or '}' after property value in JSON at position 21",
    );
    expect(invalidJsonMessage('"sk-only" is not valid JSON')).toBe('Request body is not valid JSON');
  });
});
