/**
 * The one Content-Security-Policy of the panel, whichever way it is loaded: the web
 * mode sends it on every response (transport/web-security.ts) and the desktop app on
 * every app:// response (app-protocol.ts). The page itself carries no CSP <meta>:
 * both transports already send this header, a meta could only repeat it (minus
 * `frame-ancestors`, which browsers ignore in a meta, with a console error on every
 * load), and where two policies apply a browser enforces both, so any difference
 * between them silently voids the header's allowances. test/unit/csp.test.ts fails
 * when the two transports or index.html disagree.
 *
 * Scripts only from the app; styles from the app plus inline style attributes (React
 * sets `style`); images also as data: and blob: (QR codes, avatars); fonts from the
 * app; network only to the app's own origin (the web mode's /api, nothing in the
 * desktop app, which talks over IPC); no plugins, no <base>, no form posts, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
