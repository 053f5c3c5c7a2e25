/**
 * An account's proxy (issue 21): the rules, the words and the forms it takes, in one place
 * for every side — the contract (zod wraps `proxyProblem`), the host (stores it, hands it to
 * the slice as a file) and the slice (re-checks the file, builds Chromium's flag). No zod
 * here, so the slice bundle stays small; no Node, no DOM.
 *
 * The password is a secret: it is never part of `ProxyView` (what the panel, the events and
 * the logs see), never in an environment variable and never on Chromium's command line.
 */

export const PROXY_SCHEMES = ['http', 'https', 'socks5'] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

/** What the operator sets (and what the slice's proxy file holds). */
export interface ProxySettings {
  scheme: ProxyScheme;
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** What is shown: everything but the password (only whether there is one). */
export interface ProxyView {
  scheme: ProxyScheme;
  host: string;
  port: number;
  username: string | null;
  hasPassword: boolean;
}

export const PROXY_HOST_MAX = 253;
export const PROXY_USERNAME_MAX = 255;
export const PROXY_PASSWORD_MAX = 1024;

/** A DNS name: labels of letters, digits and inner hyphens. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** An IPv6 address in brackets, as a URL writes it (hex groups and colons, an optional embedded IPv4). */
const IPV6_BRACKETED = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
/** Visible ASCII without the characters that end a credential in Basic auth or a URL. */
const USERNAME = /^[\x21-\x7e]+$/;

/** Words for a host that is not a name or an address; the common mistakes named. */
export function proxyHostProblem(host: unknown): string | null {
  if (typeof host !== 'string') return 'The proxy host must be text.';
  const value = host.trim();
  if (value.length === 0) return 'Give the proxy host: a name like proxy.example.com or an address like 10.0.0.5.';
  if (value.length > PROXY_HOST_MAX) return `The proxy host is too long (at most ${PROXY_HOST_MAX} characters).`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'Give the proxy host without a scheme (no http:// — choose the scheme in its own field).';
  if (value.includes('@')) return 'Give the proxy host without credentials: the username and password have their own fields.';
  if (value.includes('/')) return 'Give the proxy host alone, without a path (no /).';
  if (/^[^:[\]]+:\d*$/.test(value)) return 'Give the proxy host without a port: the port has its own field.';
  if (IPV4.test(value) || IPV6_BRACKETED.test(value) || (HOSTNAME.test(value) && !/^[\d.]+$/.test(value))) return null;
  if (/^[\d.]+$/.test(value)) return `${value} is not an IPv4 address (four numbers 0–255, e.g. 10.0.0.5).`;
  if (value.includes(':')) return 'Write an IPv6 proxy address in brackets, e.g. [2001:db8::1].';
  return `${value} is not a host name: use letters, digits, dots and hyphens (e.g. proxy.example.com) or an IP address.`;
}

/**
 * Every rule at once, first problem first: null when the settings are a usable proxy. The
 * contract refuses with these words; the slice refuses a proxy file with them too.
 */
export function proxyProblem(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return 'The proxy must be an object: { scheme, host, port, username?, password? }.';
  const proxy = input as Record<string, unknown>;
  if (typeof proxy.scheme !== 'string' || !(PROXY_SCHEMES as readonly string[]).includes(proxy.scheme)) {
    return `The proxy scheme must be one of ${PROXY_SCHEMES.join(', ')}.`;
  }
  const hostProblem = proxyHostProblem(proxy.host);
  if (hostProblem) return hostProblem;
  if (typeof proxy.port !== 'number' || !Number.isInteger(proxy.port) || proxy.port < 1 || proxy.port > 65535) {
    return 'The proxy port must be a whole number from 1 to 65535.';
  }
  const { username, password } = proxy;
  if (username !== undefined) {
    if (typeof username !== 'string') return 'The proxy username must be text.';
    if (username.length === 0) return 'The proxy username is empty: leave it out for a proxy without a login.';
    if (username.length > PROXY_USERNAME_MAX) return `The proxy username is too long (at most ${PROXY_USERNAME_MAX} characters).`;
    if (!USERNAME.test(username) || username.includes(':')) return 'The proxy username may hold visible characters only, no spaces and no colon (:).';
  }
  if (password !== undefined) {
    if (typeof password !== 'string') return 'The proxy password must be text.';
    if (password.length === 0) return 'The proxy password is empty: leave it out for a proxy without a login.';
    if (password.length > PROXY_PASSWORD_MAX) return `The proxy password is too long (at most ${PROXY_PASSWORD_MAX} characters).`;
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (/[\x00-\x1f\x7f]/.test(password)) return 'The proxy password may not hold control characters (tabs, line breaks).';
    if (username === undefined) return 'A proxy password needs its username: give both, or neither.';
  }
  if (proxy.scheme === 'socks5' && (username !== undefined || password !== undefined)) {
    return 'Chromium cannot log in to a SOCKS5 proxy: use an http or https proxy for a login, or a SOCKS5 proxy that needs none.';
  }
  return null;
}

/** The settings cleaned for storing (host trimmed, lower-case scheme kept as given). */
export function normalizeProxy(settings: ProxySettings): ProxySettings {
  return {
    scheme: settings.scheme,
    host: settings.host.trim(),
    port: settings.port,
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
  };
}

export function proxyView(settings: ProxySettings): ProxyView {
  return { scheme: settings.scheme, host: settings.host, port: settings.port, username: settings.username ?? null, hasPassword: settings.password !== undefined };
}

/** `scheme://host:port`: what Chromium's --proxy-server takes and what the words name (never a credential). */
export function proxyAddress(proxy: Pick<ProxySettings, 'scheme' | 'host' | 'port'>): string {
  return `${proxy.scheme}://${proxy.host}:${proxy.port}`;
}

/**
 * Chromium's network errors that mean the proxy, not WhatsApp, failed — and what to do.
 * Chromium names a proxy it could not reach ERR_PROXY_CONNECTION_FAILED; a CONNECT answered
 * with anything but 200 (a 403, a 407 it could not answer) ERR_TUNNEL_CONNECTION_FAILED;
 * credentials refused ERR_PROXY_AUTH_* / ERR_INVALID_AUTH_CREDENTIALS.
 */
export function proxyFailureWords(code: string, proxy: Pick<ProxySettings, 'scheme' | 'host' | 'port' | 'username'>): string | null {
  const where = proxyAddress(proxy);
  const login = proxy.username !== undefined;
  switch (code) {
    case 'net::ERR_PROXY_CONNECTION_FAILED':
      return `The account's proxy ${where} refused the connection or could not be reached (${code}). Check the proxy's address and port and that it is running, or remove the proxy from the account; then click Connect again.`;
    case 'net::ERR_PROXY_AUTH_UNSUPPORTED':
    case 'net::ERR_PROXY_AUTH_REQUESTED':
    case 'net::ERR_PROXY_AUTH_REQUESTED_WITH_NO_CONNECTION':
    case 'net::ERR_INVALID_AUTH_CREDENTIALS':
    case 'net::ERR_UNEXPECTED_PROXY_AUTH':
      return login
        ? `The account's proxy ${where} refused its username and password (${code}). Check the proxy's credentials on the account, then click Connect again.`
        : `The account's proxy ${where} asks for a login (${code}). Give its username and password on the account, then click Connect again.`;
    case 'net::ERR_TUNNEL_CONNECTION_FAILED':
      return login
        ? `The account's proxy ${where} would not open a tunnel to WhatsApp Web (${code}): it refused the credentials or the destination. Check the proxy's username and password and that it allows web.whatsapp.com:443, then click Connect again.`
        : `The account's proxy ${where} would not open a tunnel to WhatsApp Web (${code}): it may need a login, or block web.whatsapp.com. Check the proxy's settings (give its username and password if it needs one), then click Connect again.`;
    case 'net::ERR_PROXY_CERTIFICATE_INVALID':
    case 'net::ERR_SOCKS_CONNECTION_FAILED':
    case 'net::ERR_SOCKS_CONNECTION_HOST_UNREACHABLE':
    case 'net::ERR_NO_SUPPORTED_PROXIES':
    case 'net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED':
      return `The account's proxy ${where} failed (${code}). Check the proxy's address, scheme and port, or remove the proxy from the account; then click Connect again.`;
    default:
      return null;
  }
}

/**
 * Where the slice finds its proxy: beside its token file (`/data/.slicedeck/<slice id>.proxy`),
 * so nothing in the environment names it. The host writes it before the token file in one
 * archive, so a slice that has its token has its proxy file too, if it has a proxy.
 */
export function proxyFileBeside(tokenFile: string): string {
  return tokenFile.replace(/\.token$/, '') + '.proxy';
}

/** The proxy file's text: one JSON line (the newline says it is complete, like the token's). */
export function proxyFileText(proxy: ProxySettings): string {
  return `${JSON.stringify(normalizeProxy(proxy))}\n`;
}
