import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP relay that simulates a network partition between one process and a server (an
 * instance and Redis): while cut, nothing moves in either direction but no connection closes, as
 * when a network blackholes packets; TCP keeps what was sent, so on heal it all arrives, late.
 */
export interface TcpPartition {
  port: number;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpPartition(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpPartition> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ port: targetPort, host: targetHost });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      if (cut) from.pause();
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.pause();
    },
    heal: () => {
      cut = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
