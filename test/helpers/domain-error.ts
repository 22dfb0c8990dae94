import { DomainError } from '../../src/errors.js';

/** The code a domain call was refused with, or null if it succeeded; any other failure is rethrown. */
export async function domainCodeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}
