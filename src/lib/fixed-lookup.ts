import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/**
 * A DNS lookup that answers only with addresses already checked: a connection made with it goes
 * to one of them (trying each in turn, with autoSelectFamily) and never to whatever the name
 * resolves to a moment later (DNS rebinding). TLS still checks the certificate against the name.
 */
export function fixedLookup(addresses: readonly string[]): LookupFunction {
  const entries: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }));
  return (_hostname, options, callback) => {
    if (options.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  };
}
