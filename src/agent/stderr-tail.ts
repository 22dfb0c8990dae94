/** Keeps the last lines a process wrote to stderr, for failure messages. */
export class StderrTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 20) {}

  readonly write = (chunk: string): void => {
    this.lines.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  };

  text(): string {
    return this.lines.join('\n');
  }
}
