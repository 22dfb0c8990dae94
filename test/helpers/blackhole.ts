import { spawn } from 'node:child_process';
import net from 'node:net';

export interface Blackhole {
  port: number;
  close(): void;
}

/**
 * A loopback port whose connections are never accepted, like a host that drops SYNs: a listener
 * with a backlog of 0 that never calls accept(), its one queue slot taken by a connection of our
 * own. Linux then drops every further SYN, and a connect() hangs until its caller gives up. Node
 * accepts every connection of its own servers, so the listener is a small Python process.
 */
export async function openBlackhole(): Promise<Blackhole> {
  const listener = spawn(
    'python3',
    ['-c', 'import socket, time\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\ns.listen(0)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(3600)'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  const filler = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => filler.once('connect', resolve).once('error', reject));
  return {
    port,
    close: () => {
      filler.destroy();
      listener.kill('SIGKILL');
    },
  };
}
