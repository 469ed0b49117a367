// A session whose parameterized statements are prepared once per connection: a read model's batch runs the same
// few statement texts every time, and unprepared each paid a parse and a plan on every batch.
import { createHash } from 'node:crypto';
import { runStatement, type NamedStatement, type PreparingSqlSession } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';

/** Beyond this many distinct texts (a projection building its SQL from data, say) statements run unprepared. */
const maxTemplates = 1_000;
const templates = new Map<string, NamedStatement>();

function templateOf(text: string): NamedStatement | undefined {
  const known = templates.get(text);
  if (known !== undefined || templates.size >= maxTemplates) return known;
  // named by the text itself: one name can never stand for two texts on a connection
  const statement = { name: `twofold_t_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text };
  templates.set(text, statement);
  return statement;
}

/**
 * Runs each statement that has parameters as a prepared statement named after its text (PostgreSQL plans it again
 * when the search path or a table it reads changes, so SET LOCAL search_path and rebuilt generations stay right);
 * statements without parameters (DDL, SET) run as they are.
 */
export function preparingTemplates(session: SqlSession): PreparingSqlSession {
  return {
    queryPrepared: (statement, params) => runStatement(session, statement, params),
    query: (text, params) => {
      const template = params === undefined || params.length === 0 ? undefined : templateOf(text);
      return template === undefined ? session.query(text, params) : runStatement(session, template, params ?? []);
    },
  };
}
