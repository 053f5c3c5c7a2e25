/**
 * The Electron shell, and nothing else: one window, the tray, the IPC adapter and
 * the app's lifecycle. All host logic lives in ./core (plain Node, tested there).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, safeStorage, screen, shell, Tray } from 'electron';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from '@shared/dispatch';
import { APP_ENTRY_URL, APP_SCHEME, createAppProtocolHandler } from './app-protocol';
import { createCore, loadConfig, type Core } from './core';
import { isOwnAppUrl, registerIpcTransport, type IpcTransport } from './transport/ipc';
import { decideQuit, type QuitDecision } from './quit-prompt';
import { createSliceImageBuilder } from './slice-image-builder';
import { missingSqliteBindingWords, sqliteBindingFor } from './sqlite-binding';
import { safeStorageProtector } from './secret-protector';
import { denyAllPermissions, rendererUrl } from './window-guards';
import { TrayService, type TrayAction } from './tray';
import { startDesktopNotifier, viewingOf } from './desktop-notifier';
import type { NotificationText } from '@shared/notifications';
import { closeAction, probeStatusNotifierWatcher, trayHostVerdict, type TrayHostVerdict } from './tray-host';
import { loadWindowBounds, saveWindowBounds, windowStateFile } from './window-state';
import { HOST_SETTINGS } from '@shared/host-settings';
import { rawSetting } from '@shared/settings';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rendererDir = join(outDir, 'renderer');
// The dev server only in an unpackaged app, and only on loopback (window-guards.ts).
const appUrl = rendererUrl(process.env, app.isPackaged, APP_ENTRY_URL);
const resources = join(outDir, '..', 'resources');
// out/main/index.js → the source folder (node_modules, scripts/slice-image.mjs) when run from one
const appRoot = join(outDir, '..');
// The installed app has no scripts/: `npm run dist` ships the slice image's build inputs as resources/slice-image.
const sliceImageRoot = app.isPackaged ? join(process.resourcesPath, 'slice-image') : appRoot;

app.setName('slicedeck');
// The data dir is the Electron profile too, so the single-instance lock is per data dir.
const givenDataDir = rawSetting(process.env, HOST_SETTINGS.dataDir)?.trim();
if (givenDataDir) app.setPath('userData', givenDataDir);
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let core: Core | null = null;
let window: BrowserWindow | null = null;
let ipc: IpcTransport | null = null;
let tray: TrayService<Menu> | null = null;
let quitting = false;
// Whether the tray icon can bring a hidden window back (tray-host.ts): known at once from the
// platform and session, refined by asking the session bus, and asked again at every close.
let trayHost: TrayHostVerdict = trayHostVerdict({ platform: process.platform, env: process.env, statusNotifierWatcher: null });

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow()); // macOS: clicking the dock icon
  app.on('window-all-closed', () => undefined); // the tray keeps the app (and its slices) alive
  app.on('before-quit', (event) => {
    if (!quitting) {
      event.preventDefault();
      void quit();
    }
  });
  app.whenReady().then(start).catch(fatal);
}

async function start(): Promise<void> {
  try {
    const config = loadConfig(process.env, givenDataDir ? {} : { dataDir: app.getPath('userData') });
    // better-sqlite3's Electron build, kept apart from the Node one (src/main/sqlite-binding.ts).
    const sqliteBinding = sqliteBindingFor({
      isPackaged: app.isPackaged,
      resourcesPath: process.resourcesPath,
      appRoot,
      electronVersion: process.versions.electron,
      sqliteVersion: () => (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version,
      platform: process.platform,
      arch: process.arch,
    });
    if (!existsSync(sqliteBinding)) throw new Error(missingSqliteBindingWords(sqliteBinding, app.isPackaged));
    core = await createCore({
      config,
      sqliteBinding,
      imageBuilder: createSliceImageBuilder({ appRoot: sliceImageRoot, variant: config.imageVariant, ...(app.isPackaged ? { cacheDir: join(config.dataDir, 'cache') } : {}) }),
      // The slice key sealed by the OS keychain where there is one (docs/SECURITY.md).
      secretProtector: safeStorageProtector(safeStorage),
    });
  } catch (error) {
    return fatal(error);
  }
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
  ipc = registerIpcTransport({
    ipcMain,
    core,
    send: (channel, event) => {
      if (window && !window.isDestroyed()) window.webContents.send(channel, event);
    },
    isTrustedSender: (url) => isOwnAppUrl(url, appUrl),
    onUnexpected: (error, command) => console.error(`slicedeck: ${command} failed unexpectedly`, error),
  });
  startTray(core);
  startNotifications(core);
  showWindow();
}

/** What the spec reads of the notifications shown (SLICEDECK_EXPOSE_TRAY_FOR_TESTS only). */
const shownNotifications: { text: NotificationText; click: () => void }[] = [];

function startNotifications(core: Core): void {
  startDesktopNotifier({
    events: core.events,
    settings: () => core.handlers['notifications.get'](undefined),
    accountName: async (accountId) => (await core.handlers['accounts.list'](undefined)).find((account) => account.id === accountId)?.name,
    viewing: () => (window && !window.isDestroyed() ? viewingOf(window.webContents.getURL(), window.isVisible() && window.isFocused()) : { accountId: null }),
    show: (text, onClick) => {
      if (process.env.SLICEDECK_EXPOSE_TRAY_FOR_TESTS === '1') shownNotifications.push({ text, click: onClick });
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: text.title, body: text.body, silent: false });
      notification.on('click', onClick);
      notification.show();
    },
    open: (hash) => showWindow(hash),
    onError: (error) => console.error('slicedeck: a notification could not be shown', error),
  });
}

let saveBounds = (): void => undefined;

function createWindow(dataDir: string): BrowserWindow {
  const stateFile = windowStateFile(dataDir);
  const saved = loadWindowBounds(stateFile);
  const onScreen = saved.x !== undefined && screen.getAllDisplays().some(({ workArea: a }) => saved.x! >= a.x && saved.y! >= a.y && saved.x! < a.x + a.width && saved.y! < a.y + a.height);
  const win = new BrowserWindow({
    ...(onScreen ? saved : { width: saved.width, height: saved.height }),
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'slicedeck',
    icon: join(resources, 'icon.png'),
    webPreferences: { preload: join(outDir, 'preload', 'index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isOwnAppUrl(url, appUrl)) event.preventDefault();
  });
  // A server redirect must not take the window elsewhere either.
  win.webContents.on('will-redirect', (event, url) => {
    if (!isOwnAppUrl(url, appUrl)) event.preventDefault();
  });
  denyAllPermissions(win.webContents.session);
  // A reload or crash: hold events until the new page subscribes again (a hash change keeps the page).
  win.webContents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) ipc?.rendererNotReady();
  });
  win.webContents.on('render-process-gone', () => ipc?.rendererNotReady());
  saveBounds = () => saveWindowBounds(stateFile, win.getNormalBounds());
  win.on('close', (event) => {
    saveBounds();
    const action = closeAction({ quitting, verdict: trayHost });
    if (action === 'close') return;
    event.preventDefault();
    if (action === 'hide') win.hide(); // the tray keeps the app; slices keep running
    else void quit(); // nothing shows the tray icon: a hidden window could never come back
    void refreshTrayHost(); // a panel may have started or stopped since
  });
  void win.loadURL(appUrl);
  return win;
}

/** Shows the window, on a hash route when given (`#/connect/<account>`, `#/chat/<account>/<chat>`). */
function showWindow(hash?: string): void {
  if (!core) return;
  window ??= createWindow(core.config.dataDir);
  // The renderer routes by hash (src/renderer/src/router.ts): a same-document navigation, no reload.
  if (hash) void window.loadURL(`${appUrl.split('#')[0]}${hash}`);
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

async function refreshTrayHost(): Promise<void> {
  const statusNotifierWatcher = await probeStatusNotifierWatcher(process.env);
  trayHost = trayHostVerdict({ platform: process.platform, env: process.env, statusNotifierWatcher });
}

function startTray(core: Core): void {
  void refreshTrayHost().then(() => {
    if (!trayHost.canReturnWindow) console.warn(`slicedeck: closing the window quits (with the quit question), as nothing can bring a hidden window back: ${trayHost.why}`);
  });
  const icon = nativeImage.createFromPath(join(resources, 'tray.png'));
  tray = new TrayService<Menu>({
    // The dock's or launcher's count where the desktop has one (macOS, Unity); elsewhere it does nothing.
    setBadge: (count) => void app.setBadgeCount(count),
    createTray: () => {
      const t = new Tray(icon);
      t.on('click', () => showWindow());
      return t;
    },
    buildMenu: (template) => Menu.buildFromTemplate(template),
    onAction: (action) => void onTrayAction(action),
  });
  core.events.subscribe((event) => {
    if (event.type === 'accounts') tray?.setAccounts(event.data);
    if (event.type === 'slice') tray?.setView(event.data);
  });
  void Promise.all([core.handlers['accounts.list'](undefined), core.handlers['slices.list'](undefined)]).then(([accounts, views]) => {
    tray?.setAccounts(accounts);
    views.forEach((view) => tray?.setView(view));
  });
  setInterval(() => tray?.render(), 30_000).unref(); // "ready 12m" keeps counting
  // The e2e spec reads what the tray shows; only when it asks, never in normal use.
  if (process.env.SLICEDECK_EXPOSE_TRAY_FOR_TESTS === '1') {
    (globalThis as Record<string, unknown>).slicedeckTray = {
      current: () => tray?.current ?? null,
      act: (action: TrayAction) => onTrayAction(action),
      badge: () => tray?.badge ?? 0,
      notifications: () => shownNotifications.map(({ text }) => text),
      clickNotification: (index: number) => shownNotifications[index]?.click(),
    };
  }
}

async function onTrayAction(action: TrayAction): Promise<void> {
  if (action.kind === 'open') return showWindow(action.accountId ? `#/connect/${encodeURIComponent(action.accountId)}` : undefined);
  if (action.kind === 'quit') return quit();
  const outcome = await dispatch(core!.handlers, 'slices.destroy', { accountId: action.accountId });
  if (!outcome.ok) dialog.showErrorBox('The slice could not be destroyed', outcome.error.message);
}

let askingToQuit = false;

/** Quitting asks what to do with running slices; they outlive the app only if the operator says so. */
async function quit(): Promise<void> {
  if (quitting || askingToQuit) return; // a second Quit while the question is open changes nothing
  askingToQuit = true;
  let decision: QuitDecision;
  try {
    decision = core
      ? await decideQuit({
          listViews: () => core!.handlers['slices.list'](undefined),
          onSliceChange: (listener) =>
            core!.events.subscribe((event) => {
              if (event.type === 'slice') listener();
            }),
          ask: async (question, signal) => (await dialog.showMessageBox({ type: 'question', ...question, signal })).response,
        })
      : { quit: true, destroySlices: false };
  } catch (error) {
    // The core could not say what runs: quit without destroying anything (kept slices are adopted next start).
    console.error('slicedeck: could not list the slices before quitting', error);
    decision = { quit: true, destroySlices: false };
  } finally {
    askingToQuit = false;
  }
  if (!decision.quit) return;
  const { destroySlices } = decision;
  quitting = true;
  saveBounds(); // app.exit skips the window's close event
  ipc?.dispose();
  tray?.destroy();
  await core?.close({ destroySlices }).catch((error) => console.error('slicedeck: closing the core failed', error));
  app.exit(0);
}

function fatal(error: unknown): void {
  const words = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox('slicedeck cannot start', `${words}\n\nThe log is in ${app.getPath('userData')}/logs.`);
  app.exit(1);
}
