/**
 * The desktop window's remaining locks (docs/SECURITY.md), as small functions that
 * run under plain Node so they are tested there: which URL the window may load, and
 * a session that grants no permission (the panel needs no camera, microphone,
 * notifications, geolocation, clipboard reads, …).
 */

/**
 * The renderer's address: electron-vite's dev server (ELECTRON_RENDERER_URL) only in
 * an unpackaged app and only on loopback — a packaged app, or a variable pointing
 * anywhere else, loads the bundled renderer from `app://`.
 */
export function rendererUrl(env: NodeJS.ProcessEnv, isPackaged: boolean, appEntryUrl: string): string {
  const dev = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !dev) return appEntryUrl;
  try {
    const url = new URL(dev);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return url.href;
  } catch {
    // not a URL: ignored below
  }
  return appEntryUrl;
}

/** The part of Electron's `Session` used here. */
export interface PermissionSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
}

/** Every permission request and check is answered no. */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
