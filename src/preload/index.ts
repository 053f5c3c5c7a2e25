/**
 * The only bridge between the page and the host. It exposes a `Transport`
 * (invoke + subscribe) under `window.slicedeck` — never `ipcRenderer` itself, so the
 * page can reach the contract and nothing else. Built as CommonJS because a
 * sandboxed preload cannot be an ES module.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppEvent } from '@shared/contract';
import { BRIDGE_KEY, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_READY_CHANNEL, type Transport } from '@shared/client';

let announcedReady = false;

const transport: Transport = {
  invoke: (name, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, input),
  subscribe(listener) {
    const forward = (_event: IpcRendererEvent, appEvent: AppEvent) => listener(appEvent);
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

contextBridge.exposeInMainWorld(BRIDGE_KEY, transport);
