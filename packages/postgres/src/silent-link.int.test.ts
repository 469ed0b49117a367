// A link to PostgreSQL that goes silent (a partition: nothing answers, nothing is refused): with a connect and a read
// timeout, queries and transactions fail as StoreUnavailable in about that time instead of hanging until it heals,
// a transaction that never reached COMMIT says it applied nothing, and the client recovers once the link does.
import net from 'node:net';
import { StoreUnavailable } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqlClient } from './open-sql-client.js';

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

/** Forwards to the target; while silent, what either side sends is dropped and nobody is told. */
async function silenceableLink(target: { host: string; port: number }): Promise<{ port: number; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const link = {
    port: 0,
    silent: false,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => link.silent || upstream.write(chunk));
    upstream.on('data', (chunk) => link.silent || client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  link.port = (server.address() as net.AddressInfo).port;
  return link;
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

it('fails a query on a silent link within the read timeout, a transaction as not applied, and recovers', async () => {
  const url = new URL(database.url);
  const link = await silenceableLink({ host: '127.0.0.1', port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(link.port);
  const client = await openSqlClient(url.toString(), { connectTimeoutMs: 1_000, readTimeoutMs: 1_000, maxConnections: 2 });
  try {
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    link.silent = true;
    let started = Date.now();
    const query = await rejection(client.query('SELECT 1'));
    expect(query).toBeInstanceOf(StoreUnavailable);
    expect(Date.now() - started).toBeLessThan(1_800);

    // a link gone silent inside a transaction: no ROLLBACK sent into the silence after the lost statement, so the
    // transaction fails in one read timeout, as not applied
    link.silent = false;
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const transaction = await rejection(
      client.transaction(async (session) => {
        link.silent = true;
        started = Date.now();
        return session.query('SELECT 1');
      }),
    );
    expect(transaction).toBeInstanceOf(StoreUnavailable);
    expect((transaction as StoreUnavailable).statementSent).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_800);

    link.silent = false;
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await client.close();
    await link.close();
  }
});

it('fails the wait for a connection that never answers within the connect timeout', async () => {
  const accepted = new Set<net.Socket>();
  const mute = net.createServer((socket) => void accepted.add(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  const port = (mute.address() as net.AddressInfo).port;
  const client = await openSqlClient(`postgres://postgres@127.0.0.1:${port}/test`, { connectTimeoutMs: 300 });
  try {
    const started = Date.now();
    expect(await rejection(client.query('SELECT 1'))).toBeInstanceOf(StoreUnavailable);
    expect(await rejection(client.transaction(async () => 1))).toBeInstanceOf(StoreUnavailable);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(() => openSqlClient('postgres://x@127.0.0.1/test', { readTimeoutMs: -1 })).toThrow(/readTimeoutMs/);
  } finally {
    for (const socket of accepted) socket.destroy();
    await client.close();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  }
});
