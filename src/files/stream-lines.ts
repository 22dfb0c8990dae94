import type { Readable } from 'node:stream';

/**
 * The first line of a sandboxed command's stdout (its answer), leaving every byte after it in
 * the stream for the caller. null if the stream ends first or the line is longer than `max`.
 */
export function firstLine(stream: Readable, max = 4096): Promise<string | null> {
  return new Promise((resolve) => {
    let seen = Buffer.alloc(0);
    const finish = (line: string | null, rest?: Buffer): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      if (rest !== undefined && rest.length > 0) stream.unshift(rest);
      resolve(line);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        seen = Buffer.concat([seen, chunk]);
        const newline = seen.indexOf(10);
        if (newline >= 0) return finish(seen.subarray(0, newline).toString('utf8'), seen.subarray(newline + 1));
        if (seen.length > max) return finish(null);
      }
    };
    const onEnd = (): void => finish(null);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onEnd);
  });
}

/** The rest of a stream, or null once it passes `max` bytes (the caller kills the command then). */
export async function readAll(stream: Readable, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
