// Text inputs and selects bound to one field each of a draft object: its value, and a new draft on every keystroke.

type Draft<T> = { readonly [K in keyof T]: string };

export const bindFields =
  <T extends Draft<T>>(draft: T, setDraft: (next: T) => void) =>
  (name: keyof T) => ({
    value: draft[name],
    onInput: (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value }),
  });
