import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A recognisable prefix, so secret scanners and people can tell a leaked trigger token. */
const TOKEN_PREFIX = 'cctr_';

const TRIGGER_ID = /^trg_[0-9a-f]{24}$/;

export function newTriggerId(): string {
  return `trg_${randomBytes(12).toString('hex')}`;
}

/** Whether an id has the shape the server gives its triggers. */
export function isTriggerId(id: string): boolean {
  return TRIGGER_ID.test(id);
}

/** 32 random bytes: the token is a bearer secret, shown once and stored only as its hash. */
export function newTriggerToken(): { token: string; hash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashTriggerToken(token) };
}

export function hashTriggerToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares digests of equal length in constant time, so timing tells nothing about the stored hash. */
export function tokenMatches(presented: string, storedHash: string): boolean {
  const presentedDigest = Buffer.from(hashTriggerToken(presented), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presentedDigest.length && timingSafeEqual(presentedDigest, stored);
}
