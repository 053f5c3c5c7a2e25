/**
 * Before each start with a proxy, the slice asks the proxy itself for a tunnel to WhatsApp
 * Web (`CONNECT web.whatsapp.com:443`, with the account's login if it has one) and closes it
 * at once. Why: Chromium words a refused connection well (ERR_PROXY_CONNECTION_FAILED), but a
 * proxy that keeps answering 407 to a wrong password ends puppeteer's auth handling with the
 * 407 page loaded, and whatsapp-web.js then waits for WhatsApp Web until its start timeout —
 * "not reached within 60 s", not "the proxy refused the password". The probe names the
 * proxy's answer in seconds. It is also all the simulated driver does with a proxy: it makes
 * no browser traffic, but it does check that the account's proxy would carry it.
 *
 * http and https proxies only: Chromium logs in to no SOCKS5 proxy (@shared/proxy refuses
 * one with a login), and a SOCKS5 failure has Chromium's own ERR_SOCKS_* words.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { proxyAddress, type ProxySettings } from '@shared/proxy';

export const PROXY_PROBE_TARGET = 'web.whatsapp.com:443';
export const PROXY_PROBE_TIMEOUT_MS = 15_000;

/** Words for a proxy that would not carry WhatsApp Web; null when it opened the tunnel (or cannot be probed). */
export async function probeProxy(proxy: ProxySettings, timeoutMs = PROXY_PROBE_TIMEOUT_MS): Promise<string | null> {
  if (proxy.scheme === 'socks5') return null;
  const where = proxyAddress(proxy);
  const login = proxy.username !== undefined;
  let socket: Socket | undefined;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'PROBE_TIMEOUT' })), timeoutMs);
      const options = { host: proxy.host.replace(/^\[|\]$/g, ''), port: proxy.port };
      const onConnect = () => {
        const auth = login ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString('base64')}\r\n` : '';
        socket!.write(`CONNECT ${PROXY_PROBE_TARGET} HTTP/1.1\r\nHost: ${PROXY_PROBE_TARGET}\r\n${auth}\r\n`);
      };
      // An https proxy speaks TLS itself; its certificate is checked as Chromium would.
      socket = proxy.scheme === 'https' ? tlsConnect({ ...options, servername: options.host }, onConnect) : netConnect(options, onConnect);
      let head = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        head += chunk;
        const line = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        } else if (head.length > 8192 || head.includes('\r\n')) {
          clearTimeout(timer);
          reject(Object.assign(new Error('not http'), { code: 'PROBE_NOT_HTTP' }));
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        reject(Object.assign(new Error('closed'), { code: 'PROBE_CLOSED' }));
      });
    });
    if (status >= 200 && status < 300) return null;
    if (status === 407) {
      return login
        ? `The account's proxy ${where} refused its username and password (HTTP 407). Check the proxy's credentials on the account, then click Connect again.`
        : `The account's proxy ${where} asks for a login (HTTP 407). Give its username and password on the account, then click Connect again.`;
    }
    return `The account's proxy ${where} would not open a tunnel to WhatsApp Web (HTTP ${status}). Check that the proxy allows web.whatsapp.com:443, or remove the proxy from the account; then click Connect again.`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'PROBE_TIMEOUT') return `The account's proxy ${where} did not answer within ${Math.round(timeoutMs / 1000)} s. Check the proxy's address and port and that it is running, or remove the proxy from the account; then click Connect again.`;
    if (code === 'PROBE_NOT_HTTP' || code === 'PROBE_CLOSED' || /^ERR_SSL|^EPROTO|CERT|SELF_SIGNED/.test(code)) {
      return `The account's proxy ${where} did not answer as an ${proxy.scheme} proxy (${code}). Check the proxy's scheme, address and port, then click Connect again.`;
    }
    return `The account's proxy ${where} refused the connection or could not be reached (${code}). Check the proxy's address and port and that it is running, or remove the proxy from the account; then click Connect again.`;
  } finally {
    (socket as Socket | undefined)?.destroy();
  }
}

/** A start refused by the proxy probe: its words are the operator's, passed on unchanged. */
export class ProxyRefusedError extends Error {
  constructor(words: string) {
    super(words);
    this.name = 'ProxyRefusedError';
  }
}
