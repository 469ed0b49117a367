// The merchantBalances projection: one pre-aggregated row per merchant and currency (charges, refunds, payouts, balance).
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { merchantEventTypes, type MerchantEvent } from '../../domain/merchant.js';
import { eventsOfTypes, loggedAt, runInOrder } from '../read-model-parts.js';

const setupStatements = [
  `CREATE TABLE IF NOT EXISTS merchant_balances (
    merchant_id text NOT NULL,
    currency text NOT NULL,
    charges_cents bigint NOT NULL,
    refunds_cents bigint NOT NULL,
    payouts_cents bigint NOT NULL,
    balance_cents bigint GENERATED ALWAYS AS (charges_cents - refunds_cents - payouts_cents) STORED,
    updated_at timestamptz NOT NULL,
    last_position bigint NOT NULL,
    PRIMARY KEY (merchant_id, currency)
  )`,
];

// A batch's movements are summed per merchant and currency into one upsert. A row is fed by one
// merchant stream, whose positions rise with its versions, so counting only events newer than the
// row's last position makes a redelivered or overlapping batch add nothing twice.
const applyMovements = `
  WITH movement AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(
      merchant_id text, currency text, charges bigint, refunds bigint, payouts bigint, recorded_at timestamptz, position bigint)
  ), fresh AS (
    SELECT m.merchant_id, m.currency, sum(m.charges) AS charges, sum(m.refunds) AS refunds, sum(m.payouts) AS payouts,
           max(m.position) AS position, (array_agg(m.recorded_at ORDER BY m.position DESC))[1] AS recorded_at
    FROM movement m LEFT JOIN merchant_balances b ON b.merchant_id = m.merchant_id AND b.currency = m.currency
    WHERE b.last_position IS NULL OR m.position > b.last_position
    GROUP BY m.merchant_id, m.currency
  )
  INSERT INTO merchant_balances AS b (merchant_id, currency, charges_cents, refunds_cents, payouts_cents, updated_at, last_position)
  SELECT merchant_id, currency, charges, refunds, payouts, recorded_at, position FROM fresh
  ON CONFLICT (merchant_id, currency) DO UPDATE
  SET charges_cents = b.charges_cents + excluded.charges_cents,
      refunds_cents = b.refunds_cents + excluded.refunds_cents,
      payouts_cents = b.payouts_cents + excluded.payouts_cents,
      updated_at = excluded.updated_at,
      last_position = excluded.last_position`;

function movementOf(event: StoredEvent<MerchantEvent>) {
  const { merchantId, currency, amountCents } = event.data;
  const row = { merchant_id: merchantId, currency, charges: 0, refunds: 0, payouts: 0, ...loggedAt(event) };
  switch (event.type) {
    case 'MerchantCharged':
      return { ...row, charges: amountCents };
    case 'MerchantRefunded':
      return { ...row, refunds: amountCents };
    case 'PayoutSent':
      return { ...row, payouts: amountCents };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const merchantBalances: ProjectionDefinition<SqlSession> = {
  name: 'merchantBalances',
  version: 1,
  handles: merchantEventTypes,
  tables: ['merchant_balances'],
  setup: runInOrder(setupStatements),
  async apply(events, session) {
    const movements = eventsOfTypes<MerchantEvent>(events, merchantEventTypes).map(movementOf);
    if (movements.length > 0) await session.query(applyMovements, [JSON.stringify(movements)]);
  },
};
