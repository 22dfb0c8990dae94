import { InvalidArgumentError } from 'commander';

/** `--priority <n>`: refused here, before any request, unless it is an integer 0..9 (the API's rule). */
export function priorityArgument(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 9) throw new InvalidArgumentError('must be an integer from 0 to 9');
  return n;
}
