import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { isPrivateAddress } from '../../src/webhooks/webhook-address.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { sendWebhook } from '../../src/webhooks/webhook-sender.js';
import { secretKey, signatureHeaders } from '../../src/webhooks/webhook-signer.js';

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    'not-an-ip',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('is checked again at delivery time, and a refused address is not retried', async () => {
    const outcome = await sendWebhook({
      url: 'http://127.0.0.1:9/x',
      webhookId: 'msg_1',
      payload: '{}',
      secret: 's'.repeat(16),
      allowPrivate: false,
      timeoutMs: 1000,
      nowSeconds: 0,
    });
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/private/) });
  });
});

describe('Standard Webhooks signature', () => {
  it('matches the specification example', () => {
    // The example from the Standard Webhooks specification's reference libraries.
    const headers = signatureHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(secretKey('plain-secret-value').toString()).toBe('plain-secret-value');
  });
});

describe('webhook retry schedule', () => {
  const dispatcher = (random: number) =>
    new WebhookDispatcher(
      new MemoryStore(),
      { secretFor: () => 'x'.repeat(16), allowPrivate: false, retryBaseMs: 10_000, maxAgeMs: 24 * 3_600_000, timeoutMs: 10_000 },
      createLogger({ level: 'ERROR', sink: () => undefined }),
      () => new Date('2026-01-01T00:00:00.000Z'),
      () => undefined,
      () => random,
    );
  const created = { created_at: '2026-01-01T00:00:00.000Z' };

  it('retries first within 30 s, then three times slower each time, with jitter', () => {
    const offset = (random: number, attempts: number) => dispatcher(random).nextAttemptAt(created, attempts)!.getTime() - Date.parse(created.created_at);
    expect(offset(0, 1)).toBe(5_000);
    expect(offset(0.999, 1)).toBeLessThan(30_000);
    expect(offset(0, 2)).toBe(15_000);
    expect(offset(0, 3)).toBe(45_000);
    expect(offset(0, 20)).toBe(1_800_000);
  });

  it('gives up once the next attempt would be past the maximum age', () => {
    const old = { created_at: '2025-12-31T00:00:05.000Z' }; // 23 h 59 min 55 s old; the retry would be at least 5 s away
    expect(dispatcher(0.5).nextAttemptAt(old, 1)).toBeNull();
  });
});
