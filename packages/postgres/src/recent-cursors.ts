// The cursors of a store's own recent appends, so a consistency token it just answered resolves without a query.

export interface RecentCursors {
  remember(transactionId: number, rows: readonly { global_position: string | number }[]): void;
  /** The transaction of the event at `position`, if this store appended it recently. */
  transactionAt(position: number): number | undefined;
}

export function recentCursors(kept: number): RecentCursors {
  const cursors = new Map<number, number>();
  return {
    remember(transactionId, rows) {
      for (const row of rows) cursors.set(Number(row.global_position), transactionId);
      // oldest first in a Map: drop those beyond the bound
      for (const position of cursors.keys()) {
        if (cursors.size <= kept) break;
        cursors.delete(position);
      }
    },
    transactionAt: (position) => cursors.get(position),
  };
}
