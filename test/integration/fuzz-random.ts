/** The seeded randomness behind the fuzz suite (fuzz.test.ts): the same seed makes the same cases. */

/** mulberry32: small, fast, good enough to drive a fuzzer, and reproducible from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  string(maxLength = 20): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
      'éüß✓漢字🙂\u0000\u0007\u001f\u007f\u200b\u202e\ud800\uffff',
    ];
    let out = '';
    const length = this.int(0, maxLength);
    for (let i = 0; i < length; i++) out += this.pick([...this.pick(alphabets)]);
    return out;
  }
  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const kind = this.int(0, depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.bool();
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, this.int(-1e6, 1e6)]);
      case 3:
      case 4:
        return this.string(this.pick([5, 30, 300]));
      case 5:
        return '';
      case 6:
      case 7:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--)
          object[this.pick([this.string(8), 'prompt', 'task_id', 'options', 'session', '__proto__', 'constructor'])] = this.json(depth - 1);
        return object;
      }
    }
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(0, 255)));
  }
}
