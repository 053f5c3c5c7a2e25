/**
 * What the preload exposes as `window.slicedeck`: a `Transport` (invoke + subscribe)
 * over an ipcRenderer — never ipcRenderer itself, so the page reaches the contract and
 * nothing else. No 'electron' import here: the preload passes Electron's ipcRenderer
 * in, and test/unit/preload-bridge.test.ts drives it under Node against the real IPC
 * transport and a real core.
 */
import type { AppEvent } from '@shared/contract';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_READY_CHANNEL, type Transport } from '@shared/client';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipcRenderer: IpcRendererLike): Transport {
  let announcedReady = false;
  return {
    invoke: (name, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, input) as ReturnType<Transport['invoke']>,
    subscribe(listener) {
      const forward = (_event: unknown, appEvent: unknown) => listener(appEvent as AppEvent);
      ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
      // The host holds events until someone listens: say so once the first listener is in place.
      if (!announcedReady) {
        announcedReady = true;
        ipcRenderer.send(IPC_READY_CHANNEL);
      }
      return () => {
        ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
      };
    },
  };
}
