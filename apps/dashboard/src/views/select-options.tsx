// The options of a select whose values are also their labels.

export function SelectOptions({ values }: { readonly values: readonly string[] }) {
  return (
    <>
      {values.map((value) => (
        <option key={value} value={value}>
          {value}
        </option>
      ))}
    </>
  );
}
