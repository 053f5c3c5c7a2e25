/** Page objects: what an operator does on each page, in the words the page shows. */
import { expect, type Locator, type Page } from '@playwright/test';

export class AccountsPage {
  constructor(private readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  }

  async add(name: string): Promise<string> {
    await this.page.getByLabel('Account name').fill(name);
    await this.page.getByRole('button', { name: 'Add account' }).click();
    const row = this.row(name);
    await expect(row).toBeVisible();
    const testId = await row.getAttribute('data-testid');
    return testId!.replace(/^account-row-/, '');
  }

  row(name: string): Locator {
    return this.page.getByRole('listitem', { name, exact: true });
  }

  async openConnect(name: string): Promise<ConnectPage> {
    await this.page.getByRole('link', { name: `Connect ${name}` }).click();
    const connect = new ConnectPage(this.page);
    await expect(connect.heading(name)).toBeVisible();
    return connect;
  }

  /** A new account linked as an operator does it: added, Connect, code 1 on screen, scanned (simulated), landed on its chat page. Its id. */
  async linkNew(name: string): Promise<string> {
    const accountId = await this.add(name);
    const connect = await this.openConnect(name);
    await connect.connectAndScan();
    await expect(this.page).toHaveURL(new RegExp(`#/chat/${accountId}$`));
    return accountId;
  }

  async remove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove ${name}` }).click();
    const dialog = this.page.getByRole('dialog', { name: `Remove ${name}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: `Remove ${name}` }).click();
    await expect(this.row(name)).toHaveCount(0);
  }
}

export class ConnectPage {
  constructor(private readonly page: Page) {}

  heading(name: string): Locator {
    return this.page.getByRole('heading', { name: `Connect ${name}`, level: 1 });
  }

  get connectButton(): Locator {
    return this.page.getByRole('button', { name: 'Connect WhatsApp' });
  }
  get simulateScanButton(): Locator {
    return this.page.getByRole('button', { name: 'Simulate scan' });
  }

  /** Connect WhatsApp, wait for code 1, scan it with the simulated phone. */
  async connectAndScan(): Promise<void> {
    await this.connectButton.click();
    await expect(this.codeOf(1)).toBeVisible();
    await this.simulateScanButton.click();
  }
  get tryAgainButton(): Locator {
    return this.page.getByRole('button', { name: 'Try again' });
  }
  get qrCode(): Locator {
    return this.page.getByTestId('qr-code');
  }
  get qrCounter(): Locator {
    return this.page.getByTestId('qr-counter');
  }
  get stageMessage(): Locator {
    return this.page.getByTestId('stage-message');
  }
  get contactsFound(): Locator {
    return this.page.getByTestId('contacts-found');
  }
  get card(): Locator {
    return this.page.getByTestId('connect-card');
  }

  codeOf(index: number, total = 3): Locator {
    return this.page.getByText(`Code ${index} of ${total}`, { exact: true });
  }
}

/**
 * Records every text a watched element shows, however briefly, from the page's
 * own MutationObserver — so fast phases (a stage that lasts 50 ms) are not missed
 * by polling. Install before navigating.
 */
/** Just what the recorder needs of the page's DOM (the test program is typed for Node, not the DOM). */
interface PageGlobals {
  __seen: Record<string, string[]>;
  document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
}

export async function recordTexts(page: Page, testIds: string[]): Promise<void> {
  await page.addInitScript((ids: string[]) => {
    const g = globalThis as unknown as PageGlobals;
    const seen: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, []]));
    g.__seen = seen;
    const look = () => {
      for (const id of ids) {
        for (const el of g.document.querySelectorAll(`[data-testid="${id}"]`)) {
          const text = (el.textContent ?? '').trim();
          const list = seen[id]!;
          if (text && list[list.length - 1] !== text) list.push(text);
        }
      }
    };
    new g.MutationObserver(look).observe(g.document, { subtree: true, childList: true, characterData: true });
  }, testIds);
}

export async function seenTexts(page: Page, testId: string): Promise<string[]> {
  return page.evaluate((id) => (globalThis as unknown as PageGlobals).__seen[id] ?? [], testId);
}

/** One moment of the provisioning card, as the page's own observer saw it. */
export interface ProvisioningFrame {
  /** The stage words on screen. */
  stage: string;
  /** The elapsed timer's text. */
  elapsed: string | null;
  /** The provisioning bar: its accessible name and value, or null when there was none. */
  bar: { name: string | null; value: number } | null;
}

interface ProvisioningGlobals {
  __provisioning: ProvisioningFrame[];
  document: {
    querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
}

/**
 * Records every distinct state of the provisioning card (stage words, elapsed
 * timer, progress bar) from a MutationObserver inside the page, installed before
 * the page loads. Each SSE message is its own task and the store renders it
 * synchronously, so a stage the page showed for a few milliseconds is still seen;
 * a stage the page never drew is not — which is the point.
 */
export async function recordProvisioning(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const g = globalThis as unknown as ProvisioningGlobals;
    const frames: ProvisioningFrame[] = [];
    g.__provisioning = frames;
    let last = '';
    const look = () => {
      const stage = g.document.querySelector('[data-testid="stage-message"]');
      if (!stage) return;
      const elapsed = g.document.querySelector('[data-testid="elapsed"]');
      const bar = g.document.querySelector('[data-testid="provision-progress"][role="progressbar"]');
      const frame: ProvisioningFrame = {
        stage: (stage.textContent ?? '').trim(),
        elapsed: elapsed ? (elapsed.textContent ?? '').trim() : null,
        bar: bar ? { name: bar.getAttribute('aria-label'), value: Number(bar.getAttribute('aria-valuenow')) } : null,
      };
      const key = JSON.stringify(frame);
      if (key !== last) frames.push(frame);
      last = key;
    };
    new g.MutationObserver(look).observe(g.document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

export async function provisioningFrames(page: Page): Promise<ProvisioningFrame[]> {
  return page.evaluate(() => (globalThis as unknown as ProvisioningGlobals).__provisioning ?? []);
}

/** A full-page screenshot kept as a test artifact (test-results/screenshots/<name>.png), to look at as a person would. */
export async function snapshot(page: Page, name: string): Promise<void> {
  const { test } = await import('@playwright/test');
  const path = `test-results/screenshots/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

/** The collapsible History of an account (Connect and Chat pages). */
export class HistorySection {
  constructor(private readonly page: Page) {}

  get panel(): Locator {
    return this.page.getByTestId('history');
  }
  /** The `<summary>` that opens and closes it. */
  get toggle(): Locator {
    return this.panel.locator('summary', { hasText: 'History' });
  }
  list(accountName: string): Locator {
    return this.page.getByRole('list', { name: `History of ${accountName}`, exact: true });
  }
  entries(accountName: string): Locator {
    return this.list(accountName).getByTestId('history-entry');
  }
  labels(accountName: string): Locator {
    return this.list(accountName).locator('.history-label');
  }

  async open(): Promise<void> {
    if ((await this.panel.getAttribute('open')) === null) await this.toggle.click();
    await expect(this.panel).toHaveAttribute('open', '');
  }
  async close(): Promise<void> {
    if ((await this.panel.getAttribute('open')) !== null) await this.toggle.click();
    await expect(this.panel).not.toHaveAttribute('open');
  }
}
