// An exact cache of query answers by key, kept true by the batches this process's projector commits.
import { compareCursors, type LogCursor } from './messages.js';
import type { AppliedBatch } from './projection-runner-status.js';

/** A miss: read the answer, then offer it with `fill` (kept only if nothing may have changed it meanwhile). */
export interface CacheMiss<T> {
  readonly hit: false;
  fill(answer: T): void;
}

export type CacheLookup<T> = { readonly hit: true; readonly answer: T } | CacheMiss<T>;

export interface AnswerCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Answers read while a batch that may have changed them was learned, so not kept. */
  readonly refusedFills: number;
  /** Times every answer of a read model was dropped: a gap in its batches, a switch of generation, parked events applied. */
  readonly flushes: number;
  readonly entries: number;
}

export interface AnswerCache {
  /**
   * Learns of a batch this process's projector committed (hand it every batch, in the order they committed). A live
   * batch drops the answers it names as changed; one that does not follow on from the last one learned, or changed
   * what it cannot name, drops every answer of its read model.
   */
  learn(batch: AppliedBatch): void;
  /**
   * The answer for `key` of `readModel`, if one is kept and still exact where readers stand: `visible` is the
   * checkpoint the answer's freshness headers name (the consistency gate's). It is served only when every batch up to
   * there was learned, so the kept answer is the one a read at `visible` or later would give.
   */
  lookup<T>(readModel: string, key: string, visible: LogCursor | undefined): CacheLookup<T>;
  stats(): AnswerCacheStats;
}

export interface AnswerCacheOptions {
  /** Answers kept per read model (default 10,000); the oldest go first. */
  readonly maxEntries?: number;
}

interface ReadModelAnswers {
  /** Every live batch up to here was learned, and followed on from the one before; undefined before the first. */
  learnedThrough: LogCursor | undefined;
  /** Bumped when every answer is dropped: a fill begun in an earlier epoch is refused. */
  epoch: number;
  readonly answers: Map<string, unknown>;
  /** The learning (its number) that last dropped each key; fills begun before it are refused. */
  readonly droppedAt: Map<string, number>;
}

/**
 * Why it is exact. An answer is read by a statement that starts after its lookup. A batch that changes the key and
 * commits after that statement's snapshot is learned after the lookup began: either before the fill (the fill is
 * refused) or after it (the answer is dropped). An answer is served only while every live batch up to the checkpoint
 * the headers name was learned, each following on from the last; so no batch the answer misses is at or before that
 * checkpoint. A batch that was never learned (a projector thread that died between commit and report, another
 * process holding the lease for a while) shows as a gap at the next batch, and the gap drops every answer.
 *
 * It holds only where answers are read from the store the projector commits to, with each commit visible to every
 * statement begun after it (not from a replica, which may lag).
 */
export function createAnswerCache(options: AnswerCacheOptions = {}): AnswerCache {
  const { maxEntries = 10_000 } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const models = new Map<string, ReadModelAnswers>();
  let learnings = 0;
  let hits = 0;
  let misses = 0;
  let refusedFills = 0;
  let flushes = 0;

  const modelOf = (name: string): ReadModelAnswers => {
    let model = models.get(name);
    if (model === undefined) {
      model = { learnedThrough: undefined, epoch: 0, answers: new Map(), droppedAt: new Map() };
      models.set(name, model);
    }
    return model;
  };
  const dropAll = (model: ReadModelAnswers): void => {
    model.answers.clear();
    model.droppedAt.clear();
    model.epoch++;
    flushes++;
  };

  return {
    learn(batch) {
      if (!batch.live) return;
      learnings++;
      const model = modelOf(batch.name);
      const followsOn = model.learnedThrough !== undefined && compareCursors(batch.after, model.learnedThrough) === 0;
      if (!followsOn || batch.changed === 'all') dropAll(model);
      else {
        for (const key of batch.changed) {
          model.answers.delete(key);
          model.droppedAt.set(key, learnings);
        }
        // the keys dropped are remembered only for fills under way; beyond a bound, refuse them all instead
        if (model.droppedAt.size > maxEntries * 4) dropAll(model);
      }
      model.learnedThrough = batch.cursor;
    },
    lookup<T>(readModel: string, key: string, visible: LogCursor | undefined): CacheLookup<T> {
      const model = modelOf(readModel);
      const servable = visible !== undefined && model.learnedThrough !== undefined && compareCursors(model.learnedThrough, visible) >= 0;
      if (servable && model.answers.has(key)) {
        hits++;
        return { hit: true, answer: model.answers.get(key) as T };
      }
      misses++;
      const epoch = model.epoch;
      const begunAt = learnings;
      return {
        hit: false,
        fill(answer: T) {
          if (model.epoch !== epoch || (model.droppedAt.get(key) ?? 0) > begunAt) {
            refusedFills++;
            return;
          }
          if (model.answers.size >= maxEntries && !model.answers.has(key)) {
            const oldest = model.answers.keys().next();
            if (oldest.done !== true) model.answers.delete(oldest.value);
          }
          model.answers.set(key, answer);
        },
      };
    },
    stats() {
      let entries = 0;
      for (const model of models.values()) entries += model.answers.size;
      return { hits, misses, refusedFills, flushes, entries };
    },
  };
}
