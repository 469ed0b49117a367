// When the next pending deadline can be claimed: its due time, or the end of its current claim if later.
import type { NamedStatement } from '../postgres-client.js';

export const readNextDeadline: NamedStatement = {
  name: 'twofold_read_next_deadline',
  text: `SELECT min(greatest(due_at, coalesce(claimed_until, due_at))) AS next_at FROM twofold_deadlines WHERE status = 'pending'`,
};
