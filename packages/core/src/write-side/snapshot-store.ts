// The snapshot store port: the newest folded state of a stream per model, and an in-memory implementation.

export interface Snapshot {
  readonly streamId: string;
  /** The stream model's name. */
  readonly model: string;
  /** The model's snapshot version when it was taken; another version means: ignore it. */
  readonly modelVersion: number;
  /** The stream version the state reflects: every event up to and including it. */
  readonly streamVersion: number;
  /** Global position and transaction of that last event. */
  readonly position: number;
  readonly transactionId: number;
  /** The encoded state (plain JSON). */
  readonly state: unknown;
}

export interface SnapshotStore {
  /** The stored snapshot of the stream for the model, whatever its model version, or undefined. */
  readSnapshot(streamId: string, model: string): Promise<Snapshot | undefined>;
  /**
   * Keeps the snapshot unless one of the same model version and a higher stream version is stored;
   * one of another model version is always replaced. Snapshots are an optimisation: losing one is harmless.
   */
  writeSnapshot(snapshot: Snapshot): Promise<void>;
}

export function inMemorySnapshotStore(): SnapshotStore & { readonly size: number } {
  const snapshots = new Map<string, Snapshot>();
  const keyOf = (streamId: string, model: string): string => `${model}\u0000${streamId}`;
  return {
    get size() {
      return snapshots.size;
    },
    async readSnapshot(streamId, model) {
      const stored = snapshots.get(keyOf(streamId, model));
      return stored === undefined ? undefined : { ...stored, state: structuredClone(stored.state) };
    },
    async writeSnapshot(snapshot) {
      const key = keyOf(snapshot.streamId, snapshot.model);
      const stored = snapshots.get(key);
      if (stored !== undefined && stored.modelVersion === snapshot.modelVersion && stored.streamVersion >= snapshot.streamVersion) return;
      // through JSON, as a database keeps it
      snapshots.set(key, { ...snapshot, state: JSON.parse(JSON.stringify(snapshot.state)) as unknown });
    },
  };
}
