/**
 * The single edge where untrusted input meets the host: validates the command
 * name and its input against the contract, runs the handler, and turns every
 * outcome into an envelope. Both transports call this and nothing else.
 */
import { COMMANDS, isCommandName, type CommandHandlers, type CommandName, type Envelope } from './contract';
import { SlicedeckError, toWireError } from './errors';

export async function dispatch(
  handlers: CommandHandlers,
  name: string,
  rawInput: unknown,
  onUnexpected?: (error: unknown, name: string) => void,
): Promise<Envelope<unknown>> {
  if (!isCommandName(name)) {
    return {
      ok: false,
      error: new SlicedeckError('unknown_command', `There is no command called “${truncate(name)}”.`).toWire(),
    };
  }
  const parsed = COMMANDS[name].input.safeParse(rawInput ?? undefined);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(input)',
      message: issue.message,
    }));
    const first = issues[0];
    const message = first ? `${first.path === '(input)' ? '' : `${first.path}: `}${first.message}` : 'The input is not valid.';
    return { ok: false, error: new SlicedeckError('invalid_input', message, issues).toWire() };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    const result = await handler(parsed.data);
    return { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    if (!(error instanceof SlicedeckError)) onUnexpected?.(error, name);
    return { ok: false, error: toWireError(error) };
  }
}

function truncate(text: string): string {
  const clean = String(text).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}…` : clean;
}

export type { CommandName };
