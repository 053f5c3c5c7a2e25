/**
 * The stand-in WhatsApp Web keeps its link the way WhatsApp Web does (issue 18 part 4):
 * `last-wid-md` and `WAWebEncKeySalt` in localStorage, the session sealed with that salt in
 * IndexedDB `wawc` — in the browser profile, no file of ours — and a restore needs both
 * halves. (Chromium commits localStorage lazily: a browser killed right after linking loses
 * that half, and with it the link, as with WhatsApp Web.)
 * Debian's Chromium through Playwright, with its own throw-away profile, against the stand-in
 * on loopback; no slice and no library are involved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../playwright.config';
import { StandinWhatsApp } from '../standin-whatsapp/server';

interface BootReport {
  restored: boolean;
  hadSession: boolean;
  link: { indexedDb: boolean; localStorage: boolean };
}

let standin: StandinWhatsApp;
let context: BrowserContext;
let page: Page;
let profile = '';

beforeAll(async () => {
  standin = await StandinWhatsApp.start({ host: '127.0.0.1', syncMs: 100, bootMs: 20 });
  profile = mkdtempSync(join(tmpdir(), 'standin-profile-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...standin.chromiumArgs()], ignoreHTTPSErrors: true });
  page = context.pages()[0] ?? (await context.newPage());
}, 60_000);

afterAll(async () => {
  await context?.close();
  await standin?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * Loads (or reloads) WhatsApp Web and answers what the page found at boot. Chromium on this
 * machine sees Docker's interfaces come and go (other runs' containers): a navigation or a
 * report may then fail with ERR_NETWORK_CHANGED, so a boot is tried up to three times.
 */
async function boot(): Promise<BootReport> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const since = Date.now();
    try {
      await page.goto('https://web.whatsapp.com/');
      return (await standin.waitForReport('boot', () => true, 10_000, since)).data as BootReport;
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** What the page holds: the localStorage half, and whether IndexedDB `wawc` holds a session record. */
function storage(): Promise<{ wid: string | null; salt: string | null; sessionRecord: boolean }> {
  return page.evaluate(async () => {
    type Request<T> = { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null; error: unknown };
    type Db = { objectStoreNames: { contains(name: string): boolean }; transaction(store: string): { objectStore(name: string): { count(key: string): Request<number> } }; close(): void };
    const web = globalThis as unknown as {
      localStorage: { getItem(key: string): string | null };
      indexedDB: { databases(): Promise<{ name?: string }[]>; open(name: string): Request<Db> };
    };
    const wid = web.localStorage.getItem('last-wid-md');
    const salt = web.localStorage.getItem('WAWebEncKeySalt');
    // Open only a database that exists: opening creates it otherwise.
    if (!(await web.indexedDB.databases()).some((db) => db.name === 'wawc')) return { wid, salt, sessionRecord: false };
    const db = await new Promise<Db>((resolve, reject) => {
      const open = web.indexedDB.open('wawc');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains('user')) return { wid, salt, sessionRecord: false };
      const count = db.transaction('user').objectStore('user').count('session');
      const records = await new Promise<number>((resolve, reject) => {
        count.onsuccess = () => resolve(count.result);
        count.onerror = () => reject(count.error);
      });
      return { wid, salt, sessionRecord: records > 0 };
    } finally {
      db.close();
    }
  });
}

/** Bounded wait (300 reads, about 30 s: a loaded 2-core machine) for the page's storage to satisfy `test`. */
async function storageUntil(test: (held: Awaited<ReturnType<typeof storage>>) => boolean, what: string): Promise<Awaited<ReturnType<typeof storage>>> {
  let held = await storage();
  for (let attempt = 0; attempt < 300 && !test(held); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    held = await storage();
  }
  if (!test(held)) throw new Error(`the page's storage never showed ${what}: ${JSON.stringify(held)}`);
  return held;
}

/**
 * The phone scans the code on screen (only its ref, the first field, names the page); done when
 * the link is stored. The page reports its boot before it shows a code (it sleeps `bootMs`
 * first), so the ref is read only once the page is UNPAIRED with a ref: read earlier, under a
 * loaded machine, it was still unset and the page ignored the scan as another page's code.
 */
async function link(): Promise<void> {
  const ref = await page
    .waitForFunction(
      () => {
        const web = globalThis as unknown as { require(m: string): { Conn?: { ref?: string }; Socket?: { state?: string } } };
        const ref = web.require('WAWebConnModel').Conn?.ref;
        return web.require('WAWebSocketModel').Socket?.state === 'UNPAIRED' && typeof ref === 'string' ? ref : null;
      },
      undefined,
      { timeout: 30_000, polling: 100 },
    )
    .then((handle) => handle.jsonValue());
  standin.scan(`${ref},noise,identity,adv,Chrome`);
  await storageUntil((held) => held.salt !== null && held.sessionRecord, 'the link');
}

/** Removes one half of the link, as a lost write would. */
function drop(half: 'localStorage' | 'indexedDb'): Promise<void> {
  return page.evaluate(
    (which) =>
      new Promise<void>((resolve, reject) => {
        const web = globalThis as unknown as { localStorage: { removeItem(key: string): void }; indexedDB: { deleteDatabase(name: string): { onsuccess: (() => void) | null; onerror: (() => void) | null; error: unknown } } };
        if (which === 'localStorage') return resolve(web.localStorage.removeItem('WAWebEncKeySalt'));
        const request = web.indexedDB.deleteDatabase('wawc');
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      }),
    half,
  );
}

describe('the stand-in’s link', () => {
  it('is written to localStorage and IndexedDB (wawc), and read back at boot to restore', async () => {
    expect(await boot()).toMatchObject({ restored: false, link: { indexedDb: false, localStorage: false } });
    await link();
    const held = await storage();
    expect(JSON.parse(held.wid ?? 'null')).toBe(standin.phone.me);
    expect(held.salt).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(held.sessionRecord).toBe(true);
    expect(await boot()).toMatchObject({ restored: true, link: { indexedDb: true, localStorage: true } });
  }, 90_000);

  it('is gone when localStorage lost its half (a browser killed before Chromium committed it): a code again', async () => {
    await drop('localStorage');
    expect(await boot()).toMatchObject({ restored: false, hadSession: false, link: { indexedDb: true, localStorage: false } });
    // The page drops the useless half, then shows a code.
    await storageUntil((held) => held.wid === null && !held.sessionRecord, 'the useless half dropped');
  }, 90_000);

  it('is gone when IndexedDB lost its half', async () => {
    await link();
    await drop('indexedDb');
    expect(await boot()).toMatchObject({ restored: false, hadSession: false, link: { indexedDb: false, localStorage: true } });
  }, 90_000);
});
