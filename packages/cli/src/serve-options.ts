// The options of `twofold serve`, parsed and checked before anything opens.

export const roles = ['command', 'query', 'projector', 'relay'] as const;
export type Role = (typeof roles)[number];
/** What `all` runs: every role but the relay, which joins them when a bus is given. */
const allButRelay: readonly Role[] = ['command', 'query', 'projector'];

export interface ServeOptions {
  /** Write side: `pglite:DIR`, `pglite:memory` or `postgres://…`. */
  readonly store: string;
  /** Read models; defaults to the store. */
  readonly readStore: string | undefined;
  readonly kv: string | undefined;
  /** Prefix of every Redis key (a namespace); undefined: derived from the event store's identity. */
  readonly kvPrefix: string | undefined;
  readonly bus: string | undefined;
  readonly roles: ReadonlySet<Role>;
  readonly port: number;
  readonly host: string;
  readonly apiKeys: string | undefined;
  /** Seed demo data into a store with no events (default true; `--no-seed` or TWOFOLD_SEED=0 turns it off). */
  readonly seed?: boolean;
}

export class OptionError extends Error {}

/** The roles of `--role`; `all` includes the relay when there is a bus (`--bus`), and `relay` needs one. */
export function parseRoles(value: string, { bus = false }: { bus?: boolean } = {}): ReadonlySet<Role> {
  const parts = value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (parts.length === 0) throw new OptionError('--role needs at least one of all, command, query, projector, relay');
  const chosen = new Set<Role>();
  for (const part of parts) {
    if (part === 'all') [...allButRelay, ...(bus ? (['relay'] as const) : [])].forEach((role) => chosen.add(role));
    else if ((roles as readonly string[]).includes(part)) chosen.add(part as Role);
    else throw new OptionError(`unknown role "${part}": use all, command, query, projector or relay`);
  }
  if (chosen.has('relay') && !bus) throw new OptionError('--role relay needs a bus: --bus nats://host:port[,host:port…] (or TWOFOLD_BUS)');
  return chosen;
}

/** `nats://host:port`, or several seed servers of one cluster: `nats://a:4222,b:4222` (each may repeat `nats://`). */
export function checkBusUrl(url: string): void {
  const servers = url.startsWith('nats://') ? url.slice('nats://'.length).split(',').map((server) => server.trim().replace(/^nats:\/\//, '')) : [];
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
  if (servers.length === 0 || !servers.every((server) => hostPort.test(server) && Number(/:(\d+)$/.exec(server)?.[1] ?? 0) <= 65_535)) {
    throw new OptionError(`--bus must be nats://host:port[,host:port…], not "${url}"`);
  }
}

export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) throw new OptionError(`--port must be an integer from 0 to 65535, not "${value}"`);
  return port;
}

const loopback = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1|\[::1\])$/;

/** With no API keys, auth is off, so the server may listen on loopback only. */
export function checkExposure(host: string, apiKeys: string | undefined): void {
  if ((apiKeys ?? '').trim() === '' && !loopback.test(host)) {
    throw new OptionError(`refusing to listen on ${host} without API keys: set TWOFOLD_API_KEYS or listen on 127.0.0.1`);
  }
}

export function checkStoreUrl(flag: string, url: string): void {
  if (!/^(pglite:.+|memory|postgres(ql)?:\/\/.+)$/.test(url)) {
    throw new OptionError(`${flag} must be pglite:DIR, pglite:memory, memory or postgres://…, not "${url}"`);
  }
}

/** A Redis key prefix: 1 to 100 printable characters, none of them a glob character (the prefix is swept with SCAN MATCH). */
export function checkKvPrefix(value: string): string {
  if (!/^[\x21-\x7e]{1,100}$/.test(value) || /[*?[\]\\]/.test(value)) {
    throw new OptionError(`--kv-prefix must be 1 to 100 printable characters without spaces, *, ?, [, ] or \\, not "${value}"`);
  }
  return value;
}
