// Who places the order, and in which currency: the first part of the place-order form.
import { bindFields } from './form-fields.js';
import { SelectOptions } from './select-options.js';

export interface CustomerDraft {
  readonly customerId: string;
  readonly name: string;
  readonly email: string;
}

export const webCustomer: CustomerDraft = { customerId: 'cust-web', name: 'Web Customer', email: 'web.customer@example.com' };

export function CustomerFields(props: {
  readonly customer: CustomerDraft;
  readonly onCustomer: (customer: CustomerDraft) => void;
  readonly currencies: readonly string[];
  readonly currency: string;
  readonly onCurrency: (currency: string) => void;
}) {
  const field = bindFields(props.customer, props.onCustomer);
  return (
    <fieldset class="customer">
      <legend>Customer</legend>
      <label>
        Customer id
        <input name="customerId" required {...field('customerId')} />
      </label>
      <label>
        Name
        <input name="name" {...field('name')} />
      </label>
      <label>
        Email
        <input name="email" type="email" {...field('email')} />
      </label>
      <label>
        Currency
        <select name="currency" value={props.currency} onChange={(e) => props.onCurrency(e.currentTarget.value)}>
          <SelectOptions values={props.currencies} />
        </select>
      </label>
    </fieldset>
  );
}
