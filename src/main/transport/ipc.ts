/**
 * The desktop transport: the contract over Electron IPC.
 *
 * One invoke channel carries every command (the name travels as data, so no channel
 * string is written per command) into the same `dispatch` the web transport uses.
 * Events go out on one channel, held back until the renderer says it listens
 * (IPC_READY_CHANNEL), so nothing emitted while the window loads is lost.
 *
 * Electron's types stay out of this module on purpose: `ipcMain` is anything with
 * `handle`/`on`, so the logic runs under plain Node in the unit tests (there is no
 * Electron binary on the build machines).
 */
import type { AppEvent, AppEventSource, CommandHandlers, Envelope } from '@shared/contract';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_READY_CHANNEL } from '@shared/client';
import { dispatch } from '@shared/dispatch';
import { SlicedeckError } from '@shared/errors';

/** What the transport reads from an IPC event: the URL of the frame that sent it. */
export interface IpcSenderEvent {
  senderFrame?: { url: string } | null;
}

/** The slice of `ipcMain` the transport uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
}

export interface IpcTransportOptions {
  ipcMain: IpcMainLike;
  core: { handlers: CommandHandlers; events: AppEventSource };
  /** Delivers one message to the renderer (the shell uses `webContents.send`). */
  send: (channel: string, event: AppEvent) => void;
  /** Whether a frame URL is one of the app's own pages (see `isOwnAppUrl`). */
  isTrustedSender: (frameUrl: string) => boolean;
  /** Called for handler errors that are not SlicedeckErrors (bugs), to log them. */
  onUnexpected?: (error: unknown, command: string) => void;
  /** Events kept while the renderer is not listening; the oldest go first beyond this. */
  maxQueuedEvents?: number;
}

export interface IpcTransport {
  /** The renderer is gone or reloading: hold events again until it says it is ready. */
  rendererNotReady(): void;
  /** Removes the handlers and the event subscription. */
  dispose(): void;
}

const UNTRUSTED: Envelope<never> = {
  ok: false,
  error: new SlicedeckError('unauthorized', 'This page is not part of slicedeck, so it cannot control it.').toWire(),
};

export function registerIpcTransport(options: IpcTransportOptions): IpcTransport {
  const { ipcMain, core, send, isTrustedSender, onUnexpected } = options;
  const maxQueued = options.maxQueuedEvents ?? 1000;
  const trusted = (event: IpcSenderEvent) => {
    const url = event.senderFrame?.url;
    return typeof url === 'string' && isTrustedSender(url);
  };

  let rendererReady = false;
  let queue: AppEvent[] = [];

  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, name, input) => {
    if (!trusted(event)) return UNTRUSTED;
    return dispatch(core.handlers, typeof name === 'string' ? name : String(name), input, onUnexpected);
  });

  const onReady = (event: IpcSenderEvent) => {
    if (!trusted(event)) return;
    rendererReady = true;
    const pending = queue;
    queue = [];
    for (const queued of pending) send(IPC_EVENT_CHANNEL, queued);
  };
  ipcMain.on(IPC_READY_CHANNEL, onReady);

  const unsubscribe = core.events.subscribe((event) => {
    if (rendererReady) {
      send(IPC_EVENT_CHANNEL, event);
      return;
    }
    queue.push(event);
    // Views are snapshots: when a renderer stays away long, the newest ones are what matter.
    if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
  });

  return {
    rendererNotReady() {
      rendererReady = false;
    },
    dispose() {
      unsubscribe();
      ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
      ipcMain.removeListener(IPC_READY_CHANNEL, onReady);
      queue = [];
    },
  };
}

/**
 * Whether `frameUrl` is one of the app's own pages, given where the app was loaded
 * from: the same file (a built renderer on disk), or the same scheme and host (the
 * `app://slicedeck` protocol, or the dev server). Anything else — another site the
 * window was somehow navigated to, an iframe, `about:blank` — gets no access.
 */
export function isOwnAppUrl(frameUrl: string, appUrl: string): boolean {
  let frame: URL;
  let app: URL;
  try {
    frame = new URL(frameUrl);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (frame.protocol !== app.protocol) return false;
  if (app.protocol === 'file:') return decodeURIComponent(frame.pathname) === decodeURIComponent(app.pathname);
  // URL.origin is "null" for non-special schemes such as app:, so compare host (with port) directly.
  return app.host !== '' && frame.host === app.host;
}
