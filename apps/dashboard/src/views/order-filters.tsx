// The order search form: text, status, customer and placement dates; a search is made when it is submitted.
import { useState } from 'preact/hooks';
import { orderStatuses } from '../shop-types.js';
import { bindFields } from './form-fields.js';
import { SelectOptions } from './select-options.js';

export interface Filters {
  readonly q: string;
  readonly status: string;
  readonly customerId: string;
  /** yyyy-mm-dd, or '' */
  readonly from: string;
  readonly to: string;
}

export const noFilters: Filters = { q: '', status: '', customerId: '', from: '', to: '' };

export function OrderFilters({ onSearch }: { readonly onSearch: (filters: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(noFilters);
  const field = bindFields(draft, setDraft);
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        // a new object each time: searching again with the same filters asks the server again
        onSearch({ ...draft });
      }}
    >
      <label>
        Search
        <input type="search" name="q" placeholder="customer, email, order id, product" {...field('q')} />
      </label>
      <label>
        Status
        <select name="status" {...field('status')}>
          <option value="">any</option>
          <SelectOptions values={orderStatuses} />
        </select>
      </label>
      <label>
        Customer id
        <input name="customerId" {...field('customerId')} />
      </label>
      <label>
        Placed from
        <input type="date" name="from" {...field('from')} />
      </label>
      <label>
        to (before)
        <input type="date" name="to" {...field('to')} />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}
