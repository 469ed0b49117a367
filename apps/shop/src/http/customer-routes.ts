// The customer endpoints that change state: forgetting a customer's personal data (crypto-shredding).
import { Type } from '@sinclair/typebox';
import { CommandRejected, type CommandProcessor, type PersonalDataVault } from '@twofold/core';
import { commandRoute, type HttpApp } from '@twofold/http';
import { customerStream, forgetCustomer } from '../domain/customer.js';
import { identifierPattern, limits } from '../domain/limits.js';
import { onPrimaryStream } from './primary-stream.js';

const ForgetCustomerParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: limits.idLength, pattern: identifierPattern, description: 'customer id' }) },
  { additionalProperties: false },
);

export interface CustomerRouteOptions {
  readonly commands: CommandProcessor;
  /** The vault sealing personal data; none when it is written in clear (a PostgreSQL store without TWOFOLD_MASTER_KEY). */
  readonly vault: PersonalDataVault | undefined;
}

export function customerRoutes(app: HttpApp, { commands, vault }: CustomerRouteOptions): void {
  commandRoute(app, {
    url: '/api/customers/:id/forget',
    schema: { params: ForgetCustomerParams },
    summary: 'Forget a customer: delete their data key, so their name, email and addresses read [forgotten] everywhere from now on (a repeat changes nothing)',
    tags: ['customers'],
    operationId: 'forgetCustomer',
    handler: async ({ params, metadata }) => {
      if (vault === undefined) {
        throw new CommandRejected(
          'personal_data_not_encrypted',
          'personal data is stored in clear here (no TWOFOLD_MASTER_KEY), so it cannot be forgotten: start the shop with a master key',
          { customerId: params.id },
        );
      }
      return onPrimaryStream(customerStream(params.id), forgetCustomer(commands, vault, params.id, metadata));
    },
  });
}
