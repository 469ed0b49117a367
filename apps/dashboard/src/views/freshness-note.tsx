// "as of HH:MM:SS" and, when the read model is behind its threshold, the banner that results may be delayed.
import { clock, type Freshness } from '../api.js';

export function FreshnessNote({ freshness, what }: { readonly freshness: Freshness | undefined; readonly what: string }) {
  if (freshness === undefined) return null;
  return (
    <>
      {freshness.delayed ? (
        <div class="banner" role="alert">
          {what} may be delayed: the read model is behind the latest changes.
        </div>
      ) : null}
      <p class="muted" data-testid="as-of">
        as of {clock(freshness.asOf)}
      </p>
    </>
  );
}
