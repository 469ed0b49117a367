// Parked events hold what the projection was given, personal data opened: forgetting a customer redacts theirs too.
import type { PersonalFields } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A personal field of a parked event as a sealed one reads once forgotten: each field of a record, or the value, `$2`. */
function redactedField(path: string): string {
  const value = `event #> ${path}`;
  return `CASE jsonb_typeof(${value})
      WHEN 'object' THEN (SELECT COALESCE(jsonb_object_agg(k, to_jsonb($2::text)), '{}'::jsonb) FROM jsonb_object_keys(${value}) AS k)
      WHEN 'string' THEN to_jsonb($2::text)
      ELSE ${value} END`;
}

/** One statement per event type with personal data: its parked events of customer `$1` get each personal field redacted (`$2`). */
export function deadLetterRedactions(personal: PersonalFields): string[] {
  return Object.entries(personal).map(([type, { subject, fields }]) => {
    // create_missing false: a field the event did not have stays absent
    const redacted = fields.reduce((event, field) => {
      const path = literal(`{data,${field}}`);
      return `jsonb_set(${event}, ${path}, COALESCE(${redactedField(path)}, 'null'::jsonb), false)`;
    }, 'event');
    return `UPDATE twofold_dead_letters SET event = ${redacted}
      WHERE event->>'type' = ${literal(type)} AND event->'data'->>${literal(subject)} = $1`;
  });
}

/** Runs the redactions in a projection's session: dead letters live beside its read model, in any generation. */
export async function redactDeadLetters(statements: readonly string[], session: SqlSession, customerId: string, forgotten: string): Promise<void> {
  for (const statement of statements) await session.query(statement, [customerId, forgotten]);
}
