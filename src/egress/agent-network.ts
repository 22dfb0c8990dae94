import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { SANDBOX_NET_DIR } from '../agent/isolation/sandbox-args.js';
import type { McpBinding } from '../mcp/mcp-routes.js';

/** Inside the sandbox: the model proxy's and the egress proxy's sockets, and socat's TCP port. */
export const MODEL_SOCKET = 'model.sock';
export const EGRESS_SOCKET = 'egress.sock';
export const EGRESS_PORT = 3128;

/** Open connections one process may hold on each socket: a hostile agent cannot exhaust the server's descriptors. */
const MAX_CONNECTIONS_PER_SOCKET = 256;

/** sun_path holds 108 bytes, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;

/** One agent process's way out of its network namespace. */
export interface ProcessNetwork {
  /** Host directory with the process's two sockets, bound read-only at SANDBOX_NET_DIR; null without isolation. */
  socketDir: string | null;
  /** What the CLI (and every command it runs) is told: model over the socket, all else via the proxy. */
  env: Record<string, string>;
  close(): void;
}

export interface AgentNetworksOptions {
  /** Server-owned directory under the instance slot, cleared at start. */
  dir: string;
  /** False with AGENT_ISOLATION=none: agents share the host's network and call the proxy's TCP URL. */
  isolated: boolean;
  /** Hands a connection to the credential proxy. */
  acceptModel: (socket: Socket) => void;
  /** Hands a connection to the egress proxy, with the task the process serves at each moment and its MCP servers. */
  acceptEgress: (socket: Socket, currentTask: () => string | null, mcp: McpBinding | null) => void;
}

const NO_NETWORK: ProcessNetwork = { socketDir: null, env: {}, close: () => undefined };

/** The proxy variables npm, pip, git and curl read (socks5h: names are resolved by the proxy). */
export function proxyEnv(): Record<string, string> {
  const httpProxy = `http://127.0.0.1:${EGRESS_PORT}`;
  const socksProxy = `socks5h://127.0.0.1:${EGRESS_PORT}`;
  const local = 'localhost,127.0.0.1,::1';
  return {
    ANTHROPIC_BASE_URL: 'http://localhost',
    ANTHROPIC_UNIX_SOCKET: `${SANDBOX_NET_DIR}/${MODEL_SOCKET}`,
    HTTP_PROXY: httpProxy,
    HTTPS_PROXY: httpProxy,
    http_proxy: httpProxy,
    https_proxy: httpProxy,
    ALL_PROXY: socksProxy,
    all_proxy: socksProxy,
    NO_PROXY: local,
    no_proxy: local,
  };
}

/**
 * The sockets through which a sandboxed agent process reaches anything outside its own network
 * namespace. Each process gets a directory of its own with two Unix sockets, bound only into its
 * sandbox: the credential proxy (the CLI uses it through ANTHROPIC_UNIX_SOCKET) and the egress
 * proxy (bridged inside the sandbox to 127.0.0.1:EGRESS_PORT by socat, see sandbox-args.ts).
 * A per-process socket is what tells the egress proxy which process, hence which task, asks.
 * A spare gets its sockets when it starts; they serve whichever task later claims it.
 */
export class AgentNetworks {
  constructor(private readonly options: AgentNetworksOptions) {}

  async init(): Promise<void> {
    await rm(this.options.dir, { recursive: true, force: true });
    if (!this.options.isolated) return;
    await mkdir(this.options.dir, { recursive: true, mode: 0o711 });
    const longest = path.join(this.options.dir, 'x'.repeat(12), EGRESS_SOCKET);
    if (Buffer.byteLength(longest) > MAX_SOCKET_PATH) {
      throw new Error(`DATA_DIR is too deep for the agents' Unix sockets (${longest} is longer than ${MAX_SOCKET_PATH} bytes): use a shorter DATA_DIR path`);
    }
  }

  async open(currentTask: () => string | null, mcp: McpBinding | null = null): Promise<ProcessNetwork> {
    if (!this.options.isolated) return NO_NETWORK;
    const dir = path.join(this.options.dir, randomBytes(6).toString('hex'));
    await mkdir(dir, { mode: 0o711 });
    const servers: Server[] = [];
    const close = (): void => {
      for (const server of servers) server.close();
      void rm(dir, { recursive: true, force: true });
    };
    try {
      servers.push(await listen(path.join(dir, MODEL_SOCKET), (socket) => this.options.acceptModel(socket)));
      servers.push(await listen(path.join(dir, EGRESS_SOCKET), (socket) => this.options.acceptEgress(socket, currentTask, mcp)));
    } catch (error) {
      close();
      throw error;
    }
    return { socketDir: dir, env: proxyEnv(), close };
  }
}

async function listen(file: string, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  server.maxConnections = MAX_CONNECTIONS_PER_SOCKET;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  // The sandbox's uid is not the server's: it needs write permission to connect. Only this
  // process's sandbox can see the file at all.
  await chmod(file, 0o666);
  return server;
}
