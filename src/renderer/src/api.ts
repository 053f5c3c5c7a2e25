/**
 * The one way the renderer talks to the host. In the desktop app the preload
 * exposes `window.slicedeck`; in a browser (`npm run serve`) the web shim stands in.
 */
import { BRIDGE_KEY, createApi, type SlicedeckApi, type Transport } from '@shared/client';
import { createWebTransport, takeToken, type StreamState } from './web-transport';

export interface Connection {
  api: SlicedeckApi;
  mode: 'desktop' | 'web';
  /** Web only: the event stream's state; the desktop bridge never drops. */
  onStreamState(listener: (state: StreamState) => void): () => void;
}

export function connect(win: Window = window): Connection {
  const bridge = (win as unknown as Record<string, Transport | undefined>)[BRIDGE_KEY];
  if (bridge && typeof bridge.invoke === 'function') {
    return { api: createApi(bridge), mode: 'desktop', onStreamState: () => () => undefined };
  }
  const web = createWebTransport(takeToken(win));
  return { api: createApi(web), mode: 'web', onStreamState: (listener) => web.onStreamState(listener) };
}
