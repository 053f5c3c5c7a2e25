/**
 * The desktop transport under plain Node: a plain object stands in for `ipcMain`
 * (no Electron binary exists on these machines), behind it the real dispatcher and a
 * real core (SQLite file, Docker engine) — so what reaches the renderer is exactly
 * what the window would receive.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, Envelope } from '@shared/contract';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_READY_CHANNEL } from '@shared/client';
import { isOwnAppUrl, registerIpcTransport, type IpcMainLike, type IpcSenderEvent, type IpcTransport } from '../../src/main/transport/ipc';
import { makeTestCore, type TestCore } from '../helpers/core';

const APP_URL = 'file:///opt/slicedeck/out/renderer/index.html';
const fromApp: IpcSenderEvent = { senderFrame: { url: `${APP_URL}#/accounts` } };
const fromElsewhere: IpcSenderEvent = { senderFrame: { url: 'https://evil.example/' } };

/** Records what the transport registers, and lets the test play the renderer. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  listeners = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => void>();
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void) {
    this.listeners.set(channel, listener);
  }
  removeListener(channel: string) {
    this.listeners.delete(channel);
  }
  invoke(event: IpcSenderEvent, name: unknown, input?: unknown) {
    return this.handlers.get(IPC_INVOKE_CHANNEL)!(event, name, input) as Promise<Envelope<unknown>>;
  }
  signalReady(event: IpcSenderEvent = fromApp) {
    this.listeners.get(IPC_READY_CHANNEL)!(event);
  }
}

let testCore: TestCore;
let ipcMain: FakeIpcMain;
let sent: { channel: string; event: AppEvent }[];
let transport: IpcTransport;

beforeEach(async () => {
  testCore = await makeTestCore();
  ipcMain = new FakeIpcMain();
  sent = [];
  transport = registerIpcTransport({
    ipcMain,
    core: testCore.core,
    send: (channel, event) => sent.push({ channel, event }),
    isTrustedSender: (url) => isOwnAppUrl(url, APP_URL),
  });
});
afterEach(async () => {
  transport.dispose();
  await testCore.cleanup();
});

describe('commands over IPC', () => {
  it('runs a command from the app’s own page through the real dispatcher', async () => {
    const added = await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Alice' });
    expect(added).toMatchObject({ ok: true, result: { name: 'Alice' } });
    const listed = await ipcMain.invoke(fromApp, 'accounts.list');
    expect(listed.ok && (listed.result as { name: string }[]).map((a) => a.name)).toEqual(['Alice']);
  });

  it('answers a bad input or an unknown command with a typed error, never a throw', async () => {
    const invalid = await ipcMain.invoke(fromApp, 'accounts.add', { name: '' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', message: 'name: Give the account a name.' } });
    const unknown = await ipcMain.invoke(fromApp, 'accounts.launch', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    const notText = await ipcMain.invoke(fromApp, 42);
    expect(notText).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
  });

  it('refuses a frame that is not the app’s own page, and does not run the command', async () => {
    const refused = await ipcMain.invoke(fromElsewhere, 'accounts.add', { name: 'Mallory' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const noFrame = await ipcMain.invoke({ senderFrame: null }, 'accounts.list');
    expect(noFrame).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const listed = await ipcMain.invoke(fromApp, 'accounts.list');
    expect(listed).toEqual({ ok: true, result: [] });
  });
});

describe('events over IPC', () => {
  it('holds events until the renderer is ready, then delivers them in order', async () => {
    await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Alice' });
    await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Bob' });
    expect(sent).toEqual([]);

    ipcMain.signalReady();
    const accountEvents = sent.filter(({ event }) => event.type === 'accounts');
    expect(sent.every(({ channel }) => channel === IPC_EVENT_CHANNEL)).toBe(true);
    // Accounts added within one millisecond have no defined order; compare names as sets.
    const names = (event: AppEvent) => (event.data as { name: string }[]).map((a) => a.name).sort();
    expect(accountEvents.map(({ event }) => names(event))).toEqual([['Alice'], ['Alice', 'Bob']]);

    await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Carol' });
    const last = sent.at(-1)!.event;
    expect(last.type).toBe('accounts');
    expect(names(last)).toEqual(['Alice', 'Bob', 'Carol']);
  });

  it('ignores a ready signal from a foreign frame', async () => {
    ipcMain.signalReady(fromElsewhere);
    await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Alice' });
    expect(sent).toEqual([]);
  });

  it('holds events again while the renderer reloads', async () => {
    ipcMain.signalReady();
    transport.rendererNotReady();
    await ipcMain.invoke(fromApp, 'accounts.add', { name: 'Alice' });
    expect(sent).toEqual([]);
    ipcMain.signalReady();
    expect(sent.map(({ event }) => event.type)).toContain('accounts');
  });

  it('stops forwarding and unregisters on dispose', async () => {
    ipcMain.signalReady();
    transport.dispose();
    expect(ipcMain.handlers.has(IPC_INVOKE_CHANNEL)).toBe(false);
    expect(ipcMain.listeners.has(IPC_READY_CHANNEL)).toBe(false);
    await testCore.call('accounts.add', { name: 'Alice' });
    expect(sent).toEqual([]);
  });
});

describe('a bounded queue', () => {
  it('keeps the newest events when the renderer stays away', () => {
    const listeners: ((event: AppEvent) => void)[] = [];
    const local = new FakeIpcMain();
    const delivered: AppEvent[] = [];
    registerIpcTransport({
      ipcMain: local,
      core: { handlers: testCore.core.handlers, events: { subscribe: (listener) => (listeners.push(listener), () => undefined) } },
      send: (_channel, event) => delivered.push(event),
      isTrustedSender: (url) => isOwnAppUrl(url, APP_URL),
      maxQueuedEvents: 2,
    });
    for (const n of [1, 2, 3]) listeners[0]!({ type: 'accounts', data: [{ id: `acc_${n}xxxx`, name: `n${n}`, createdAt: n }] });
    local.signalReady();
    expect(delivered.map((event) => (event.data as { name: string }[])[0]!.name)).toEqual(['n2', 'n3']);
  });
});

describe('which pages are the app’s own', () => {
  it('trusts the built renderer file, whatever its hash or query', () => {
    expect(isOwnAppUrl(APP_URL, APP_URL)).toBe(true);
    expect(isOwnAppUrl(`${APP_URL}?account=acc_1234#/chat`, APP_URL)).toBe(true);
  });

  it('trusts the app:// protocol’s own host', () => {
    expect(isOwnAppUrl('app://slicedeck/index.html#/chat', 'app://slicedeck/index.html')).toBe(true);
    expect(isOwnAppUrl('app://other/index.html', 'app://slicedeck/index.html')).toBe(false);
    expect(isOwnAppUrl('http://slicedeck/index.html', 'app://slicedeck/index.html')).toBe(false);
  });

  it('trusts the dev server’s origin only', () => {
    expect(isOwnAppUrl('http://localhost:5173/some/route', 'http://localhost:5173/')).toBe(true);
    expect(isOwnAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });

  it('trusts no other file, site or blank page', () => {
    expect(isOwnAppUrl('file:///etc/passwd', APP_URL)).toBe(false);
    expect(isOwnAppUrl('https://web.whatsapp.com/', APP_URL)).toBe(false);
    expect(isOwnAppUrl('about:blank', APP_URL)).toBe(false);
    expect(isOwnAppUrl('not a url', APP_URL)).toBe(false);
  });
});
