// NATS servers of a test's own: one node or a 3-node cluster with JetStream, on free loopback ports and store
// directories under a temporary directory, killed and restarted at will, stopped and removed at the end. Never the
// machine's shared server (4222).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's server; TWOFOLD_NATS_SERVER names another binary. */
export const natsServerBinary = process.env['TWOFOLD_NATS_SERVER'] ?? '/usr/sbin/nats-server';

export interface NatsTestNode {
  /** The server name (`n1`, `n2`, …): what JetStream reports as a stream's or the metadata's leader. */
  readonly name: string;
  /** nats://127.0.0.1:port */
  readonly url: string;
  readonly monitorUrl: string;
  readonly running: boolean;
  /** Ends the process with the signal (default SIGKILL, a crash) and waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and store directory; resolves once it answers its health check. */
  restart(): Promise<void>;
}

export interface NatsTestServers {
  readonly nodes: readonly NatsTestNode[];
  /** Every node's URL, comma-separated: the form `--bus` takes. */
  readonly urls: string;
  node(name: string): NatsTestNode;
  /** Resolves once every running node reports JetStream ready with a metadata leader elected. */
  ready(timeoutMs?: number): Promise<void>;
  /** The current metadata leader's name, as a running node reports it, or undefined during an election. */
  metaLeader(): Promise<string | undefined>;
  /** Kills every node and removes the store directories. */
  stop(): Promise<void>;
}

export interface NatsTestServersOptions {
  /** 1 for a single node, 3 for a cluster (default 1). */
  readonly nodes?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

interface NodePorts {
  readonly client: number;
  readonly monitor: number;
  readonly cluster: number;
}

/** The server's arguments: its ports and store directory, and in a cluster the routes to every node. */
function natsServerArgs(name: string, port: NodePorts, root: string, routes: string | undefined): string[] {
  const args = ['-a', '127.0.0.1', '-p', String(port.client), '-m', String(port.monitor), '-n', name, '-js', '-sd', join(root, name)];
  if (routes !== undefined) args.push('--cluster_name', 'twofold-test', '--cluster', `nats://127.0.0.1:${port.cluster}`, '--routes', routes);
  return args;
}

/** One node, not started yet: `restart()` starts it. */
function natsTestNode(name: string, port: NodePorts, args: readonly string[]): NatsTestNode {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const monitorUrl = `http://127.0.0.1:${port.monitor}`;
  const node = {
    name,
    url: `nats://127.0.0.1:${port.client}`,
    monitorUrl,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (node.running) child!.kill(signal);
      await exited;
    },
    async restart() {
      if (node.running) throw new Error(`${name} is running`);
      output = '';
      const started = spawn(natsServerBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
      started.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      const failed = new Promise<never>((_, reject) => started.once('error', (error) => reject(new Error(`cannot start ${natsServerBinary}: ${error.message}`))));
      failed.catch(() => undefined);
      const deadline = Date.now() + 20_000;
      for (;;) {
        await Promise.race([pause(100), failed]);
        if (!node.running) throw new Error(`nats-server ${name} exited:\n${output}`);
        if ((await getJson(`${monitorUrl}/varz`)).status === 200) return;
        if (Date.now() > deadline) throw new Error(`nats-server ${name} did not answer in 20 s:\n${output}`);
      }
    },
  };
  return node;
}

/** The nodes as one set of servers; `stop()` also removes `root`, their store directories. */
function natsTestServers(nodes: readonly NatsTestNode[], root: string): NatsTestServers {
  const servers: NatsTestServers = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (found === undefined) throw new Error(`no node ${name}`);
      return found;
    },
    async metaLeader() {
      for (const node of nodes.filter((n) => n.running)) {
        const { body } = await getJson(`${node.monitorUrl}/jsz`);
        const meta = body?.['meta_cluster'] as { leader?: string } | undefined;
        if (nodes.length === 1 && body?.['config'] !== undefined) return node.name;
        if (meta?.leader) return meta.leader;
      }
      return undefined;
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = nodes.filter((n) => n.running);
        // healthz answers 200 once JetStream is up and (in a cluster) in contact with an elected metadata leader
        const healthy = await Promise.all(running.map(async (n) => (await getJson(`${n.monitorUrl}/healthz`)).status === 200));
        if (healthy.every(Boolean) && (await servers.metaLeader()) !== undefined) return;
        if (Date.now() > deadline) throw new Error(`JetStream was not ready in ${timeoutMs} ms`);
        await pause(200);
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      await rm(root, { recursive: true, force: true });
    },
  };
  return servers;
}

/** Starts nats-server processes of the test's own; rejects when the binary is missing or a node does not come up. */
export async function startNatsServers(options: NatsTestServersOptions = {}): Promise<NatsTestServers> {
  const { nodes: count = 1 } = options;
  if (count !== 1 && count !== 3) throw new RangeError('nodes must be 1 or 3');
  // a port found free is free only until someone binds it: the ephemeral range it comes from is also where other
  // tests' outgoing connections get their local ports, so a node may find its port taken; then all start on new ones
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(count);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error && /address already in use/.test(error.message))) throw error;
    }
  }
}

async function startOnFreePorts(count: number): Promise<NatsTestServers> {
  const root = await mkdtemp(join(tmpdir(), 'twofold-nats-'));
  const ports = await Promise.all(Array.from({ length: count }, async (): Promise<NodePorts> => ({ client: await freePort(), monitor: await freePort(), cluster: await freePort() })));
  const routes = count > 1 ? ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(',') : undefined;
  const nodes = ports.map((port, index) => {
    const name = `n${index + 1}`;
    return natsTestNode(name, port, natsServerArgs(name, port, root, routes));
  });
  const servers = natsTestServers(nodes, root);
  try {
    await Promise.all(nodes.map((n) => n.restart()));
    await servers.ready();
  } catch (error) {
    await servers.stop();
    throw error;
  }
  return servers;
}
