/**
 * The preload's surface under plain Node: the page gets `invoke` and `subscribe` and
 * nothing else, and through them reaches the real IPC transport, the real dispatcher
 * and a real core. Electron's ipcRenderer/ipcMain pair is played by an in-process pair
 * (no Electron binary exists on these machines); test/electron/app.spec.ts checks the
 * same surface inside a real window where one does.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, IPC_EVENT_CHANNEL, IPC_READY_CHANNEL } from '@shared/client';
import type { AppEvent } from '@shared/contract';
import { createBridge, type IpcRendererLike } from '../../src/preload/bridge';
import { isOwnAppUrl, registerIpcTransport, type IpcMainLike, type IpcSenderEvent, type IpcTransport } from '../../src/main/transport/ipc';
import { makeTestCore, type TestCore } from '../helpers/core';

const APP_URL = 'app://slicedeck/index.html';
const page: IpcSenderEvent = { senderFrame: { url: APP_URL } };

/** One ipcMain and one page's ipcRenderer, wired to each other the way Electron wires them. */
function ipcPair() {
  const handlers = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  const mainListeners = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => void>();
  const toPage = new EventEmitter();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
    on: (channel, listener) => void mainListeners.set(channel, listener),
    removeListener: (channel) => void mainListeners.delete(channel),
  };
  const ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => handlers.get(channel)!(page, ...args),
    send: (channel, ...args) => mainListeners.get(channel)?.(page, ...args),
    on: (channel, listener) => toPage.on(channel, listener),
    removeListener: (channel, listener) => toPage.removeListener(channel, listener),
  };
  return { ipcMain, ipcRenderer, sendToPage: (channel: string, event: AppEvent) => toPage.emit(channel, {}, event), pageListeners: () => toPage.listenerCount(IPC_EVENT_CHANNEL) };
}

let testCore: TestCore;
let pair: ReturnType<typeof ipcPair>;
let transport: IpcTransport;

beforeEach(async () => {
  testCore = await makeTestCore();
  pair = ipcPair();
  transport = registerIpcTransport({ ipcMain: pair.ipcMain, core: testCore.core, send: pair.sendToPage, isTrustedSender: (url) => isOwnAppUrl(url, APP_URL) });
});
afterEach(async () => {
  transport.dispose();
  await testCore.cleanup();
});

describe('the preload bridge', () => {
  it('exposes invoke and subscribe, nothing else (no ipcRenderer, no channels)', () => {
    expect(Object.keys(createBridge(pair.ipcRenderer)).sort()).toEqual(['invoke', 'subscribe']);
  });

  it('runs commands through the real transport and core, and returns errors as data', async () => {
    const bridge = createBridge(pair.ipcRenderer);
    const added = await bridge.invoke('accounts.add', { name: 'Pia' });
    expect(added).toMatchObject({ ok: true, result: { name: 'Pia' } });
    expect(await bridge.invoke('accounts.add', { name: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await createApi(bridge).invoke('accounts.list')).toEqual([expect.objectContaining({ name: 'Pia' })]);
  });

  it('says it is ready once, on the first subscription, and then gets the host’s events', async () => {
    const readySignals: string[] = [];
    const bridge = createBridge({ ...pair.ipcRenderer, send: (channel, ...args) => (readySignals.push(channel), pair.ipcRenderer.send(channel, ...args)) });
    const seen: AppEvent[] = [];
    const heldBeforeReady = await bridge.invoke('accounts.add', { name: 'Quinn' });
    expect(heldBeforeReady.ok).toBe(true);
    const stop = bridge.subscribe((event) => seen.push(event));
    bridge.subscribe(() => undefined);
    await expect.poll(() => seen.some((event) => event.type === 'accounts')).toBe(true);
    expect(readySignals).toEqual([IPC_READY_CHANNEL]);
    expect(pair.pageListeners()).toBe(2);
    stop();
    expect(pair.pageListeners()).toBe(1);
  });
});
