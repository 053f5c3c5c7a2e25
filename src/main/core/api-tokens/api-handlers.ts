/**
 * What an API token may do, as a handler table: the contract's own handlers, each wrapped
 * so it runs only within the token's scope and accounts. The web API passes this table to
 * the same `dispatch` the panel uses (one contract, one set of handlers: the wrapper checks
 * the already-parsed input, so nothing is validated twice or differently).
 */
import { COMMAND_NAMES, type CommandHandlers, type CommandName } from '@shared/contract';
import { API_COMMAND_SCOPES, isApiCommand, type ApiTokenInfo } from '@shared/gateway';
import { SlicedeckError } from '@shared/errors';

const READABLE_COMMANDS = Object.keys(API_COMMAND_SCOPES).join(', ');

function refuse(message: string): never {
  throw new SlicedeckError('forbidden', message);
}

export function scopedHandlers(handlers: CommandHandlers, token: ApiTokenInfo): CommandHandlers {
  const allowed = new Set(token.accountIds);
  const requireAccount = (input: unknown) => {
    const accountId = (input as { accountId?: unknown } | undefined)?.accountId;
    if (typeof accountId === 'string' && !allowed.has(accountId)) {
      refuse(`This API token may not use account ${accountId}. Ask the operator to make a token that names it (slicedeck panel → API & webhooks).`);
    }
  };
  const table: Partial<Record<CommandName, (input: never) => Promise<unknown>>> = {};
  for (const name of COMMAND_NAMES) {
    if (!isApiCommand(name)) {
      table[name] = async () => refuse(`${name} is the operator’s own command: API tokens reach only ${READABLE_COMMANDS}.`);
      continue;
    }
    const needs = API_COMMAND_SCOPES[name];
    const run = handlers[name] as (input: unknown) => Promise<unknown>;
    table[name] = (async (input: unknown) => {
      if (needs === 'send' && token.scope !== 'send') {
        refuse(`This API token may only read: ${name} needs a token with the “send” scope. Ask the operator for one.`);
      }
      requireAccount(input);
      const result = await run(input);
      // The lists of every account show only the token's own.
      if (name === 'accounts.list') return (result as { id: string }[]).filter((account) => allowed.has(account.id));
      if (name === 'slices.list') return (result as { accountId: string }[]).filter((view) => allowed.has(view.accountId));
      return result;
    }) as (input: never) => Promise<unknown>;
  }
  return table as CommandHandlers;
}
