// Stream claims: which batch in flight holds which stream, so that no two batches decide on one stream at once.

/**
 * Which batch in flight holds which stream. A batch claims every stream it reads or writes, so no two
 * batches in flight ever decide on the same stream: neither can be deciding on a state the other is
 * about to change.
 */
export interface StreamClaims {
  /** True when the stream was free or is already the owner's; it is then the owner's until release. */
  claim(streamId: string, owner: object): boolean;
  release(owner: object): void;
  /** True when no batch holds the stream. */
  isFree(streamId: string): boolean;
}

export function createStreamClaims(): StreamClaims {
  const holders = new Map<string, object>();
  const held = new Map<object, string[]>();
  return {
    claim(streamId, owner) {
      const holder = holders.get(streamId);
      if (holder !== undefined) return holder === owner;
      holders.set(streamId, owner);
      const streams = held.get(owner);
      if (streams === undefined) held.set(owner, [streamId]);
      else streams.push(streamId);
      return true;
    },
    release(owner) {
      for (const streamId of held.get(owner) ?? []) holders.delete(streamId);
      held.delete(owner);
    },
    isFree: (streamId) => !holders.has(streamId),
  };
}
