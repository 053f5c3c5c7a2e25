/**
 * What closing the desktop window does (src/main/tray-host.ts): hide it to the tray
 * where a tray icon can bring it back, quit (through the quit question) where nothing
 * shows one — Wayland without a StatusNotifierWatcher, Electron 38+'s default on Linux.
 * The D-Bus question goes through real programs on disk (small `sh` scripts printing
 * what gdbus and dbus-send print), run by the same bounded runner the shell uses.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NAME_HAS_OWNER_COMMANDS,
  closeAction,
  parseNameHasOwner,
  probeStatusNotifierWatcher,
  runBounded,
  sessionBusPresent,
  trayHostVerdict,
  type RunCommand,
} from '../../src/main/tray-host';

const wayland = { WAYLAND_DISPLAY: 'wayland-0', XDG_SESSION_TYPE: 'wayland' };
const x11 = { DISPLAY: ':0', XDG_SESSION_TYPE: 'x11' };

describe('whether a tray icon can bring a hidden window back', () => {
  it('on macOS and Windows always (menu bar, notification area)', () => {
    expect(trayHostVerdict({ platform: 'darwin', env: {}, statusNotifierWatcher: null }).canReturnWindow).toBe(true);
    expect(trayHostVerdict({ platform: 'win32', env: {}, statusNotifierWatcher: null }).canReturnWindow).toBe(true);
  });

  it('on Linux where a StatusNotifierWatcher is on the session bus, Wayland or not', () => {
    expect(trayHostVerdict({ platform: 'linux', env: wayland, statusNotifierWatcher: true }).canReturnWindow).toBe(true);
    expect(trayHostVerdict({ platform: 'linux', env: x11, statusNotifierWatcher: true }).canReturnWindow).toBe(true);
  });

  it('never on Wayland without a watcher, nor where none could be asked for', () => {
    const answered = trayHostVerdict({ platform: 'linux', env: wayland, statusNotifierWatcher: false });
    expect(answered.canReturnWindow).toBe(false);
    expect(answered.why).toContain('Wayland');
    expect(trayHostVerdict({ platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland' }, statusNotifierWatcher: null }).canReturnWindow).toBe(false);
    expect(trayHostVerdict({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-1' }, statusNotifierWatcher: null }).canReturnWindow).toBe(false);
  });

  it('on X11 without a watcher: the XEmbed system tray', () => {
    expect(trayHostVerdict({ platform: 'linux', env: x11, statusNotifierWatcher: false }).canReturnWindow).toBe(true);
  });
});

describe('what closing the window does', () => {
  const yes = { canReturnWindow: true, why: '' };
  const no = { canReturnWindow: false, why: '' };

  it('hides it where the tray can bring it back, quits where nothing can', () => {
    expect(closeAction({ quitting: false, verdict: yes })).toBe('hide');
    expect(closeAction({ quitting: false, verdict: no })).toBe('quit');
  });

  it('closes it for good once the app is quitting', () => {
    expect(closeAction({ quitting: true, verdict: yes })).toBe('close');
    expect(closeAction({ quitting: true, verdict: no })).toBe('close');
  });
});

describe('asking the session bus for a StatusNotifierWatcher', () => {
  it('reads gdbus’s and dbus-send’s answers, and nothing else', () => {
    expect(parseNameHasOwner('(true,)\n')).toBe(true);
    expect(parseNameHasOwner('(false,)\n')).toBe(false);
    expect(parseNameHasOwner('method return time=1.2 sender=org.freedesktop.DBus -> destination=:1.9 serial=3 reply_serial=2\n   boolean true\n')).toBe(true);
    expect(parseNameHasOwner('method return time=1.2 sender=org.freedesktop.DBus\n   boolean false\n')).toBe(false);
    expect(parseNameHasOwner('Error: GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown')).toBeNull();
    expect(parseNameHasOwner('')).toBeNull();
  });

  it('finds the bus by its address, or by the per-user socket', () => {
    expect(sessionBusPresent({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, () => false)).toBe(true);
    expect(sessionBusPresent({ XDG_RUNTIME_DIR: '/run/user/1000' }, (path) => path === '/run/user/1000/bus')).toBe(true);
    expect(sessionBusPresent({ XDG_RUNTIME_DIR: '/run/user/1000' }, () => false)).toBe(false);
    expect(sessionBusPresent({}, () => true)).toBe(false);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'slicedeck-tray-host-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  /** A real program on disk that prints `output` (and exits `code`): run through runBounded, as gdbus would be. */
  function program(name: string, output: string, code = 0): string {
    const path = join(scratch, name);
    writeFileSync(path, `#!/bin/sh\nprintf '%s' '${output.replace(/'/g, "'\\''")}'\nexit ${code}\n`);
    chmodSync(path, 0o755);
    return path;
  }
  const bus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

  it('asks gdbus first, then dbus-send when gdbus is missing or says nothing useful', async () => {
    const asked: string[] = [];
    const programs: Record<string, string> = { gdbus: join(scratch, 'missing-gdbus'), 'dbus-send': program('dbus-send', 'method return\n   boolean true\n') };
    const run: RunCommand = (command, args) => {
      asked.push(`${command} ${args.at(-1)}`);
      return runBounded(programs[command]!, args);
    };
    expect(await probeStatusNotifierWatcher(bus, run)).toBe(true);
    expect(asked).toEqual(NAME_HAS_OWNER_COMMANDS.map(({ command, args }) => `${command} ${args.at(-1)}`));
  });

  it('takes gdbus’s "no" as the answer', async () => {
    const gdbus = program('gdbus', '(false,)\n');
    expect(await probeStatusNotifierWatcher(bus, (_command, args) => runBounded(gdbus, args))).toBe(false);
  });

  it('cannot tell without a session bus, or when both clients fail', async () => {
    const failing = program('failing', 'Error: Cannot autolaunch D-Bus without X11 $DISPLAY', 1);
    let asked = 0;
    expect(await probeStatusNotifierWatcher({}, async () => (asked++, '(true,)'), () => false)).toBeNull();
    expect(asked).toBe(0);
    expect(await probeStatusNotifierWatcher(bus, (_command, args) => runBounded(failing, args))).toBeNull();
  });
});
