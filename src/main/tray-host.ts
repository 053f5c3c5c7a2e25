/**
 * Whether the tray icon can bring a hidden window back on this desktop — and so what
 * closing the window does. Closing normally hides the window and keeps the app (and
 * its slices) in the tray; where nothing shows the tray icon, a hidden window could
 * never be reached again (the app would live on, invisible), so closing the window
 * quits instead, through the same quit question as the tray's "Quit slicedeck".
 *
 * Where a tray icon shows on Linux: Electron's Tray registers a StatusNotifierItem with
 * the desktop's StatusNotifierWatcher (a D-Bus name, `org.kde.StatusNotifierWatcher`,
 * owned by KDE, by GNOME's AppIndicator extension, by most Wayland bars); without one,
 * on X11 it falls back to an XEmbed tray icon. Wayland (Electron 38+'s default on Linux)
 * has no XEmbed, so there a tray exists only with a watcher. Hence:
 *  - macOS, Windows: the menu bar and notification area always show it;
 *  - Linux with a watcher on the session bus: yes;
 *  - Linux on Wayland without one (or no session bus, or no way to ask it): no;
 *  - Linux on X11 without one: yes — the XEmbed fallback; whether a panel hosts it
 *    cannot be asked without an X client, and GNOME on X11 without the extension is
 *    the known case this misses.
 * No 'electron' import: unit-tested under Node (test/unit/tray-host.test.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

type Env = Record<string, string | undefined>;

export interface TrayHostEvidence {
  platform: NodeJS.Platform;
  env: Env;
  /** Whether the session bus has a StatusNotifierWatcher; null when that could not be asked. */
  statusNotifierWatcher: boolean | null;
}

export interface TrayHostVerdict {
  canReturnWindow: boolean;
  /** Why, in words for the log. */
  why: string;
}

export function isWaylandSession(env: Env): boolean {
  return !!env.WAYLAND_DISPLAY?.trim() || env.XDG_SESSION_TYPE?.trim().toLowerCase() === 'wayland';
}

export function trayHostVerdict({ platform, env, statusNotifierWatcher }: TrayHostEvidence): TrayHostVerdict {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') {
    return { canReturnWindow: true, why: 'the menu bar or notification area always shows the tray icon' };
  }
  if (statusNotifierWatcher) return { canReturnWindow: true, why: `the desktop shows tray icons (${STATUS_NOTIFIER_WATCHER} is on the session bus)` };
  if (isWaylandSession(env)) {
    const asked = statusNotifierWatcher === false ? `no ${STATUS_NOTIFIER_WATCHER} on the session bus` : `no ${STATUS_NOTIFIER_WATCHER} could be found (no session bus, or neither gdbus nor dbus-send to ask it)`;
    return { canReturnWindow: false, why: `a Wayland session with ${asked}: nothing shows the tray icon` };
  }
  return { canReturnWindow: true, why: 'an X11 session: the tray icon falls back to the XEmbed system tray' };
}

/** What closing the window does: close it for good while quitting, else hide it to the tray, or quit where no tray can bring it back. */
export function closeAction({ quitting, verdict }: { quitting: boolean; verdict: TrayHostVerdict }): 'close' | 'hide' | 'quit' {
  if (quitting) return 'close';
  return verdict.canReturnWindow ? 'hide' : 'quit';
}

/** Whether a session bus is there to ask: its address, else the per-user socket libdbus also falls back to. */
export function sessionBusPresent(env: Env, exists: (path: string) => boolean = existsSync): boolean {
  if (env.DBUS_SESSION_BUS_ADDRESS?.trim()) return true;
  return !!env.XDG_RUNTIME_DIR && exists(join(env.XDG_RUNTIME_DIR, 'bus'));
}

/** The two usual D-Bus command-line clients, each asked `NameHasOwner(watcher)` of the bus itself. */
export const NAME_HAS_OWNER_COMMANDS: readonly { command: string; args: string[] }[] = [
  { command: 'gdbus', args: ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', STATUS_NOTIFIER_WATCHER] },
  { command: 'dbus-send', args: ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${STATUS_NOTIFIER_WATCHER}`] },
];

/** gdbus prints "(true,)"; dbus-send prints "method return …\n   boolean true". Anything else: null. */
export function parseNameHasOwner(output: string): boolean | null {
  const answer = /\(\s*(true|false)\s*,\s*\)|\bboolean\s+(true|false)\b/.exec(output);
  if (!answer) return null;
  return (answer[1] ?? answer[2]) === 'true';
}

export type RunCommand = (command: string, args: readonly string[]) => Promise<string | null>;

/** Runs a command with a short bound; its stdout, or null when it is missing or failed. */
export const runBounded: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 3_000, encoding: 'utf8' }, (error, stdout) => resolve(error ? null : stdout));
  });

/** Asks the session bus whether a StatusNotifierWatcher is there; null when it cannot be asked. */
export async function probeStatusNotifierWatcher(env: Env, run: RunCommand = runBounded, exists?: (path: string) => boolean): Promise<boolean | null> {
  if (!sessionBusPresent(env, exists)) return null;
  for (const { command, args } of NAME_HAS_OWNER_COMMANDS) {
    const output = await run(command, args);
    const answer = output === null ? null : parseNameHasOwner(output);
    if (answer !== null) return answer;
  }
  return null;
}
