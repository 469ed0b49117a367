// The last answer a view read from a read model: its body and freshness, or why the latest read failed.
import { useState } from 'preact/hooks';
import type { ApiResult, Freshness } from '../api.js';

export interface ReadModelAnswer<T> {
  /** The body of the last successful read: a failed read keeps it on screen. */
  readonly body: T | undefined;
  readonly freshness: Freshness | undefined;
  /** '' once a read succeeds. */
  readonly error: string;
  readonly take: (result: ApiResult<T>) => void;
}

export function useReadModelAnswer<T>(): ReadModelAnswer<T> {
  const [body, setBody] = useState<T | undefined>(undefined);
  const [freshness, setFreshness] = useState<Freshness | undefined>(undefined);
  const [error, setError] = useState('');
  const take = (result: ApiResult<T>): void => {
    if (result.ok) {
      setBody(result.body);
      setFreshness(result.freshness);
      setError('');
    } else setError(result.error.message);
  };
  return { body, freshness, error, take };
}
