const LF = 0x0a;
const CR = 0x0d;
/** 'd', as in `data:`. */
const DATA_FIELD_START = 0x64;

/** message_start and message_delta data lines are small; a longer line is not one of them. */
const MAX_LINE_BYTES = 1024 * 1024;

/** The stream events that carry `usage`. */
const USAGE_EVENTS = new Set(['message_start', 'message_delta']);

export type UsageEventListener = (event: { type: string; data: unknown }) => void;

/**
 * Reads the usage-carrying events (message_start, message_delta) out of a Messages API
 * event stream as its chunks pass by, chunk boundaries anywhere (inside a line, inside a
 * UTF-8 character, between CR and LF). It never holds the stream back: it keeps only the
 * current line, and not even that once the event is known to be of another type.
 */
export class SseUsageParser {
  private line: Buffer[] = [];
  private lineBytes = 0;
  /** The current line is not kept: too long, or data of an event without usage. */
  private discarding = false;
  private afterCr = false;
  private eventType: string | null = null;
  private data: string[] = [];

  constructor(private readonly onEvent: UsageEventListener) {}

  write(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF && this.afterCr) {
        // The LF of a CRLF (perhaps in the next chunk): the CR already ended the line.
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      this.afterCr = false;
      if (byte !== LF && byte !== CR) continue;
      this.append(chunk.subarray(start, i));
      this.endLine();
      this.afterCr = byte === CR;
      start = i + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** The stream ended: an event the stream did not close with a blank line still counts. */
  end(): void {
    if (this.lineBytes > 0 || this.discarding) this.endLine();
    this.dispatch();
  }

  private append(part: Buffer): void {
    if (part.length === 0 || this.discarding) return;
    // Once the event is known not to carry usage, its data lines need not be kept.
    if (this.lineBytes === 0 && part[0] === DATA_FIELD_START && this.eventType !== null && !USAGE_EVENTS.has(this.eventType)) {
      this.discarding = true;
      return;
    }
    this.lineBytes += part.length;
    if (this.lineBytes > MAX_LINE_BYTES) {
      this.discarding = true;
      this.line = [];
      return;
    }
    this.line.push(Buffer.from(part));
  }

  private endLine(): void {
    const text = this.discarding ? null : Buffer.concat(this.line).toString('utf8');
    this.line = [];
    this.lineBytes = 0;
    this.discarding = false;
    if (text === null) return;
    if (text === '') return this.dispatch();
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') this.data.push(value);
  }

  private dispatch(): void {
    const type = this.eventType;
    const data = this.data.join('\n');
    this.eventType = null;
    this.data = [];
    if (data === '' || (type !== null && !USAGE_EVENTS.has(type))) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const dataType = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
    const effective = typeof dataType === 'string' ? dataType : type;
    if (effective !== null && USAGE_EVENTS.has(effective)) this.onEvent({ type: effective, data: parsed });
  }
}
