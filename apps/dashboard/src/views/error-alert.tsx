// The message of what went wrong, announced at once; nothing when there is none.
import type { ComponentChildren } from 'preact';

export function ErrorAlert({ message, children }: { readonly message: string; readonly children?: ComponentChildren }) {
  if (message === '') return null;
  return (
    <p class="error" role="alert">
      {message}
      {children}
    </p>
  );
}
