// Sends the commands the shop's deadlines issue through the command processor, to the decider of each command type.
import { InvalidCommand, type AppendResult, type Command, type CommandProcessor } from '@twofold/core';
import { cancelOrderDecider } from '../domain/cancel-order.js';
import type { CancelOrder } from '../domain/order.js';

/** A command type no process of the shop issues is refused (recorded as the deadline's rejection), never guessed at. */
export const deadlineCommandSender =
  (commands: CommandProcessor) =>
  (command: Command): Promise<AppendResult> => {
    switch (command.type) {
      case 'CancelOrder':
        return commands.execute(cancelOrderDecider, command as CancelOrder);
      default:
        return Promise.reject(new InvalidCommand(`no process of the shop issues ${command.type}`, { field: 'type' }));
    }
  };
