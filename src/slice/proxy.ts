/**
 * The account's proxy, slice side (issue 21). The host writes it as a 0400 JSON file beside
 * the token file, in the same archive and before it (core/docker/container-spec.ts), so by the
 * time the token is there the proxy file is too — or there is no proxy. Nothing of it is in
 * the environment; the password reaches Chromium only through puppeteer's
 * `page.authenticate` (whatsapp-web.js's `proxyAuthentication`), never its command line, and
 * is never logged: logs name `proxyAddress` only.
 *
 * A proxy file that cannot be read or is not a valid proxy stops the slice with words: going
 * direct when the operator asked for a proxy would send the account's traffic from the wrong
 * address.
 */
import { readFileSync } from 'node:fs';
import { proxyAddress, proxyFailureWords, proxyFileBeside, proxyProblem, type ProxySettings } from '@shared/proxy';

/** Flags of the operator's global SLICEDECK_CHROMIUM_ARGS that would fight the account's proxy. */
const GLOBAL_PROXY_FLAG = /^--(proxy-server|proxy-pac-url|no-proxy-server|proxy-auto-detect|proxy-bypass-list)(=|$)/;

/** Reads the proxy file beside `tokenFile`; null when there is none (the account goes direct). */
export function readSliceProxy(tokenFile: string, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): ProxySettings | null {
  const file = proxyFileBeside(tokenFile);
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`The account's proxy file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Connect the account again from slicedeck.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`The account's proxy file ${file} is not JSON. Set the account's proxy again in slicedeck, then Connect.`);
  }
  const problem = proxyProblem(parsed);
  if (problem) throw new Error(`The account's proxy file ${file} is not a usable proxy: ${problem} Set the account's proxy again in slicedeck, then Connect.`);
  return parsed as ProxySettings;
}

/**
 * Chromium's flags with the account's proxy: the operator's global flags without any proxy
 * setting of their own (the account's wins), then `--proxy-server=<scheme>://<host>:<port>`.
 */
export function chromiumArgsWithProxy(extraArgs: readonly string[], proxy: ProxySettings | null | undefined): string[] {
  if (!proxy) return [...extraArgs];
  return [...extraArgs.filter((arg) => !GLOBAL_PROXY_FLAG.test(arg)), `--proxy-server=${proxyAddress(proxy)}`];
}

/** whatsapp-web.js's `proxyAuthentication` (puppeteer's `page.authenticate`), when the proxy has a login. */
export function proxyAuthentication(proxy: ProxySettings | null | undefined): { username: string; password: string } | undefined {
  if (!proxy?.username) return undefined;
  return { username: proxy.username, password: proxy.password ?? '' };
}

/** Words for a start that failed with Chromium's `code` while going through the proxy; null when the code is not about it. */
export function explainProxyFailure(code: string, proxy: ProxySettings | null | undefined): string | null {
  if (!proxy) return null;
  return proxyFailureWords(code, proxy);
}
