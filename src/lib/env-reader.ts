export type Env = Readonly<Record<string, string | undefined>>;

/** Collects every problem instead of stopping at the first, so one start-up attempt shows them all. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalise = (v: string) => v): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const normalised = normalise(value);
    if ((allowed as readonly string[]).includes(normalised)) return normalised as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  /** A positive decimal number, or undefined when unset. */
  positiveNumber(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
      this.problems.push(`${name} must be a positive number (got "${value}")`);
      return undefined;
    }
    return Number(value);
  }

  url(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be an http(s) URL (got "${value}")`);
      return undefined;
    }
  }

  /** A value with its own parser (which names the problem), or the fallback when unset or invalid. */
  parsed<T>(name: string, fallback: T, parse: (value: string) => { value: T } | { problem: string }): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const result = parse(value);
    if ('value' in result) return result.value;
    this.problems.push(result.problem);
    return fallback;
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const names = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const n of names) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) this.problems.push(`${name} contains an invalid variable name "${n}"`);
    }
    return names;
  }
}
