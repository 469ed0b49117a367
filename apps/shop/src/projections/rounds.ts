// Splitting a batch for multi-row statements without reordering what must stay in log order.

/**
 * Splits events, in log order, into rounds holding at most one event per key: round n holds the
 * n-th event of each key. Applying the rounds in order keeps every key's events in log order,
 * while events of different keys (independent rows) share one statement.
 */
export function roundsOfDistinctKeys<T>(events: readonly T[], keyOf: (event: T) => string): T[][] {
  const seen = new Map<string, number>();
  const rounds: T[][] = [];
  for (const event of events) {
    const key = keyOf(event);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push(event);
  }
  return rounds;
}

/** Groups events by type, keeping each group in the order given. */
export function byType<T extends { readonly type: string }>(events: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const event of events) {
    const group = groups.get(event.type) ?? [];
    group.push(event);
    groups.set(event.type, group);
  }
  return groups;
}
