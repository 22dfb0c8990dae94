import type { Socket } from 'node:net';

/** Reply codes of RFC 1928 that the proxy uses. */
export const SOCKS_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

const HANDSHAKE_TIMEOUT_MS = 30_000;

export interface SocksRequest {
  host: string;
  port: number;
}

/** Buffers a socket's bytes so a handshake can read exactly n of them. */
class ByteReader {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('close', this.onEnd);
    socket.once('end', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.waiter?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.waiter?.();
  };

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.ended || this.buffered.length > 1024) throw new Error('SOCKS handshake ended early');
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Stops listening; returns what the client already sent past the handshake. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onEnd);
    this.socket.off('end', this.onEnd);
    // No 'data' listener is left: paused, nothing is lost before the tunnel pipes it.
    this.socket.pause();
    return this.buffered;
  }
}

export function socksReply(code: number): Buffer {
  return Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

/**
 * Reads a SOCKS5 greeting and CONNECT request (no authentication: the per-process socket says
 * who is asking). Returns the target and the bytes that followed, or null after answering a
 * request the proxy does not serve (BIND, UDP ASSOCIATE, unknown address types).
 */
export async function readSocksConnect(socket: Socket): Promise<{ request: SocksRequest; rest: Buffer } | null> {
  const reader = new ByteReader(socket);
  // A client that never finishes its handshake does not hold the connection for ever.
  socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
  try {
    const [version, methodCount] = await reader.read(2);
    if (version !== 0x05) return null;
    const methods = await reader.read(methodCount!);
    if (!methods.includes(0x00)) {
      socket.end(Buffer.from([0x05, 0xff]));
      return null;
    }
    socket.write(Buffer.from([0x05, 0x00]));
    const [, command, , addressType] = await reader.read(4);
    let host: string;
    if (addressType === 0x01) host = [...(await reader.read(4))].join('.');
    else if (addressType === 0x03) host = (await reader.read((await reader.read(1))[0]!)).toString('latin1');
    else if (addressType === 0x04) {
      const raw = await reader.read(16);
      host = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':');
    } else {
      socket.end(socksReply(SOCKS_REPLY.addressTypeNotSupported));
      return null;
    }
    const port = (await reader.read(2)).readUInt16BE(0);
    if (command !== 0x01) {
      socket.end(socksReply(SOCKS_REPLY.commandNotSupported));
      return null;
    }
    socket.setTimeout(0);
    return { request: { host, port }, rest: reader.detach() };
  } catch {
    reader.detach();
    socket.destroy();
    return null;
  }
}
