// The customer stream: forgetting a customer is an event of its own, recorded once however often it is asked for.
import { singleStreamDecider, streamModel, type AppendResult, type Command, type CommandMetadata, type CommandProcessor, type Event, type PersonalDataVault } from '@twofold/core';
import { requireIdentifier } from './validate.js';

export const customerStream = (customerId: string): string => `customer-${customerId}`;

/** The customer's id as its stream names it; undefined for another stream. */
export const customerOfStream = (streamId: string): string | undefined => (streamId.startsWith('customer-') ? streamId.slice('customer-'.length) : undefined);

export type ForgetCustomer = Command<
  'ForgetCustomer',
  {
    readonly customerId: string;
    /** How many data keys forgetting deleted just before: 0 when there was nothing (left) to forget. */
    readonly keysDeleted: number;
  }
>;
export type CustomerForgotten = Event<'CustomerForgotten', { readonly customerId: string; readonly forgottenAt: string }>;
export type CustomerEvent = CustomerForgotten;

export interface CustomerState {
  /** Forgotten at least once, and nothing sealed since. */
  readonly forgotten: boolean;
}

export const initialState: CustomerState = { forgotten: false };

export const evolve = (state: CustomerState, event: CustomerEvent): CustomerState => (event.type === 'CustomerForgotten' ? { forgotten: true } : state);

/** Records the forgetting, unless the customer is forgotten already and there was no key left to delete (a repeat). */
export function decide(command: ForgetCustomer, state: CustomerState): CustomerEvent[] {
  const { customerId, keysDeleted } = command.data;
  if (state.forgotten && keysDeleted === 0) return [];
  return [{ type: 'CustomerForgotten', data: { customerId, forgottenAt: command.metadata.now.toISOString() } }];
}

export const customerDecider = { initialState, evolve, decide };
export const customerModel = streamModel('customer', customerDecider);

const forgetCustomerDecider = singleStreamDecider('ForgetCustomer', customerModel, (c: ForgetCustomer) => customerStream(c.data.customerId), decide);

/**
 * Forgets a customer: deletes their data key (every personal value it sealed reads `[forgotten]` from then on) and
 * records CustomerForgotten, which the read models holding personal data answer by redacting the customer's rows.
 * The key goes first: a forget interrupted in between, asked again, still records the event. A repeat appends nothing.
 */
export async function forgetCustomer(processor: CommandProcessor, vault: PersonalDataVault, customerId: string, metadata: CommandMetadata): Promise<AppendResult> {
  requireIdentifier('customerId', customerId);
  const keysDeleted = await vault.forget(customerId);
  return processor.execute(forgetCustomerDecider, { type: 'ForgetCustomer', data: { customerId, keysDeleted }, metadata });
}
