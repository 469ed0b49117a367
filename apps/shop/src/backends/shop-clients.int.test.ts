// The settings each role's pool is given reach its sessions on the server: the projector's batches commit without
// waiting for the flush and run generic plans; commands wait for the flush; reads keep the server's defaults.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopClients, type ClientRole } from './shop-clients.js';

describe('shopClients on a PostgreSQL server', () => {
  let database: TestDatabase;
  const clients = shopClients();
  beforeAll(async () => {
    database = await createTestDatabase(undefined, { label: 'clients' });
  });
  afterAll(async () => {
    await clients.close();
    await database?.drop();
  });

  async function settingsOf(role: ClientRole): Promise<Record<string, string>> {
    const client = await clients.clientFor(role, database.url);
    const { rows } = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('plan_cache_mode', 'synchronous_commit', 'statement_timeout', 'application_name')`,
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  }

  it('gives each role its own sessions, with the settings of its work', async () => {
    const projector = await settingsOf('projector');
    expect(projector).toMatchObject({ plan_cache_mode: 'force_generic_plan', synchronous_commit: 'off', statement_timeout: '30000' });
    expect(projector['application_name']).toMatch(/^twofold projector pid \d+$/);
    // a command is acknowledged only once its events are on disk, and plans as the server chooses
    expect(await settingsOf('commands')).toMatchObject({ plan_cache_mode: 'auto', synchronous_commit: 'on', statement_timeout: '30000' });
    // a search may run long, and a read's plan is the server's choice
    expect(await settingsOf('reads')).toMatchObject({ plan_cache_mode: 'auto', synchronous_commit: 'on', statement_timeout: '0' });
  });
});
