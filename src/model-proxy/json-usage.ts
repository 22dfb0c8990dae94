const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]

/** A usage object is a few hundred bytes; a key or model name a few dozen. */
const MAX_VALUE_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 64;

/** The top-level fields a non-streaming Messages API response is metered by. */
export interface JsonUsage {
  model: string | null;
  usage: unknown;
}

/**
 * Finds the top-level `model` and `usage` of a JSON response as its chunks pass by, without
 * keeping the body (a long answer can be megabytes): a byte-level scan that tracks strings and
 * nesting and copies out only those two values. Multi-byte UTF-8 never contains the ASCII
 * bytes it looks at, so chunks may split anywhere.
 */
export class JsonUsageScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1, whether the next string is a key (after `{` or `,`) rather than a value. */
  private expectKey = false;
  private key: number[] = [];
  private lastKey = '';
  /** The top-level field whose value is being copied, and the copy so far. */
  private capturing: 'model' | 'usage' | null = null;
  private captured: number[] = [];
  private captureDepth = 0;
  private readonly found: JsonUsage = { model: null, usage: undefined };

  write(chunk: Buffer): void {
    for (const byte of chunk) this.step(byte);
  }

  /** What was found; usage stays undefined when the body had none (or was not JSON). */
  result(): JsonUsage {
    return this.found;
  }

  private step(byte: number): void {
    if (this.capturing !== null && this.captured.length < MAX_VALUE_BYTES) this.captured.push(byte);
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) this.endString();
      else if (this.depth === 1 && this.expectKey && this.key.length < MAX_KEY_BYTES) this.key.push(byte);
      return;
    }
    if (byte === QUOTE) {
      this.inString = true;
      this.key = [];
      if (this.depth === 1 && !this.expectKey) this.startValue(byte);
    } else if (OPEN.has(byte)) {
      if (this.depth === 1) this.startValue(byte);
      this.depth++;
      if (this.depth === 1) this.expectKey = true;
    } else if (CLOSE.has(byte)) {
      this.depth--;
      if (this.depth === 1) this.endValue();
    } else if (this.depth === 1 && byte === COLON) {
      this.expectKey = false;
    } else if (this.depth === 1 && byte === COMMA) {
      this.endValue();
      this.expectKey = true;
    }
  }

  private endString(): void {
    this.inString = false;
    if (this.depth !== 1) return;
    if (this.expectKey) this.lastKey = Buffer.from(this.key).toString('latin1');
    else this.endValue();
  }

  /** A value starts at depth 1: copy it if it belongs to `model` or `usage`. */
  private startValue(first: number): void {
    if (this.capturing !== null) return;
    if (this.lastKey === 'usage' || this.lastKey === 'model') {
      this.capturing = this.lastKey;
      this.captured = [first];
      this.captureDepth = this.depth;
    }
  }

  private endValue(): void {
    if (this.capturing === null || this.depth !== this.captureDepth) return;
    const text = Buffer.from(this.captured).toString('utf8');
    const field = this.capturing;
    this.capturing = null;
    this.captured = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (field === 'model' && typeof value === 'string') this.found.model = value;
    if (field === 'usage') this.found.usage = value;
  }
}
