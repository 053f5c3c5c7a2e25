/**
 * The renderer's view of the host: a typed `invoke` and an event subscription.
 * The preload (desktop) and the web shim (browser) each provide a `Transport`;
 * `createApi` turns envelopes back into results or thrown SlicedeckErrors.
 */
import type { AppEvent, CommandArgs, CommandName, CommandResult, Envelope } from './contract';
import { SlicedeckError } from './errors';

/** The raw bridge: what the preload exposes as `window.slicedeck`. */
export interface Transport {
  invoke(name: string, input?: unknown): Promise<Envelope<unknown>>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: AppEvent) => void): () => void;
}

export interface SlicedeckApi {
  invoke<N extends CommandName>(name: N, ...input: undefined extends CommandArgs<N> ? [CommandArgs<N>?] : [CommandArgs<N>]): Promise<CommandResult<N>>;
  subscribe(listener: (event: AppEvent) => void): () => void;
}

export function createApi(transport: Transport): SlicedeckApi {
  return {
    async invoke(name, ...input) {
      const envelope = await transport.invoke(name, input[0]);
      if (!envelope.ok) throw SlicedeckError.fromWire(envelope.error);
      return envelope.result as never;
    },
    subscribe: (listener) => transport.subscribe(listener),
  };
}

/** The name under which the preload exposes the transport. */
export const BRIDGE_KEY = 'slicedeck';
/** IPC channels: one for every command (the name travels as data), one for events. */
export const IPC_INVOKE_CHANNEL = 'slicedeck:invoke';
export const IPC_EVENT_CHANNEL = 'slicedeck:event';
export const IPC_READY_CHANNEL = 'slicedeck:ready';
