/**
 * The tray: a pure model of what it shows (`buildTrayModel`, unit-tested under Node)
 * and a small service that keeps the accounts and slice views it is built from and
 * renders the model through an injected tray factory. No 'electron' import here:
 * the shell passes `new Tray(...)` and `Menu.buildFromTemplate` in.
 */
import { phaseHasSlice } from '@shared/stages';
import type { Account, SliceView } from '@shared/types';
import { isolateInPlainText } from '@shared/text-safety';

export type TrayAction = { kind: 'open'; accountId?: string } | { kind: 'destroy'; accountId: string } | { kind: 'quit' };

export type TrayItem =
  | { type: 'separator' }
  | { type: 'action'; label: string; action: TrayAction }
  | { type: 'label'; label: string }
  | { type: 'submenu'; label: string; items: TrayItem[] };

export interface TrayModel {
  tooltip: string;
  items: TrayItem[];
}

/** One line per slice that exists or just ended; accounts without a slice are not listed. */
export function buildTrayModel(accounts: Account[], views: SliceView[], now: number): TrayModel {
  const nameOf = new Map(accounts.map((account) => [account.id, account.name]));
  const shown = views
    .filter((view) => view.phase !== 'setup' && nameOf.has(view.accountId))
    .sort((a, b) => nameOf.get(a.accountId)!.localeCompare(nameOf.get(b.accountId)!));

  const sliceItems: TrayItem[] = shown.map((view) => {
    // A right-to-left name must not pull " — ready 12m" into its run (text-safety.ts).
    const name = isolateInPlainText(nameOf.get(view.accountId)!);
    const items: TrayItem[] = [{ type: 'action', label: 'Open in panel', action: { kind: 'open', accountId: view.accountId } }];
    if (hasContainer(view)) items.push({ type: 'action', label: 'Destroy slice', action: { kind: 'destroy', accountId: view.accountId } });
    return { type: 'submenu', label: `${name} — ${describeView(view, now)}${unreadWords(view.unread)}`, items };
  });

  return {
    tooltip: trayTooltip(shown),
    items: [
      ...(sliceItems.length ? sliceItems : [{ type: 'label', label: 'No slices running' } as const]),
      { type: 'separator' },
      { type: 'action', label: 'Open slicedeck', action: { kind: 'open' } },
      { type: 'separator' },
      { type: 'action', label: 'Quit slicedeck', action: { kind: 'quit' } },
    ],
  };
}

/** The app's badge (the dock, the launcher): every linked account's unread messages; 0 clears it. */
export function badgeCount(views: readonly SliceView[]): number {
  return views.reduce((sum, view) => sum + (view.unread ?? 0), 0);
}

function unreadWords(count: number | undefined): string {
  return count ? ` · ${count} unread` : '';
}

/** Expired and failed attempts have no container left to destroy. */
function hasContainer(view: SliceView): boolean {
  return phaseHasSlice(view.phase);
}

export function describeView(view: SliceView, now: number): string {
  switch (view.phase) {
    case 'provisioning':
      return 'starting…';
    case 'qr':
      return view.qr ? `QR ${view.qr.index}/${view.qr.total}` : 'QR';
    case 'linking':
      return view.contacts !== undefined ? `linking (${view.contacts} contacts)` : 'linking';
    case 'ready':
      return view.stageStartedAt !== null ? `ready ${formatAge(now - view.stageStartedAt)}` : 'ready';
    case 'expired':
      return 'code expired';
    case 'error':
      return 'error';
    case 'setup':
      return 'not connected';
  }
}

function trayTooltip(shown: SliceView[]): string {
  const running = shown.filter(hasContainer);
  if (running.length === 0) return 'slicedeck — no slices running';
  const count = (phase: SliceView['phase']) => running.filter((view) => view.phase === phase).length;
  const parts = [
    count('ready') && `${count('ready')} ready`,
    count('qr') && `${count('qr')} waiting for a scan`,
    count('linking') && `${count('linking')} linking`,
    count('provisioning') && `${count('provisioning')} starting`,
  ].filter(Boolean);
  return `slicedeck — ${running.length} slice${running.length === 1 ? '' : 's'}: ${parts.join(', ')}${unreadWords(badgeCount(running))}`;
}

/** "<1m", "12m", "2h 5m", "3d 4h": a tray line has room for one coarse age. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return '<1m';
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

// ── rendering through an injected tray ─────────────────────────────────────

/** Structurally Electron's MenuItemConstructorOptions, without importing Electron. */
export interface MenuTemplateItem {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu';
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuTemplateItem[];
}

export function toMenuTemplate(items: TrayItem[], onAction: (action: TrayAction) => void): MenuTemplateItem[] {
  return items.map((item): MenuTemplateItem => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'action':
        return { label: item.label, click: () => onAction(item.action) };
      case 'submenu':
        return { label: item.label, type: 'submenu', submenu: toMenuTemplate(item.items, onAction) };
    }
  });
}

export interface TrayLike<Menu> {
  setToolTip(text: string): void;
  setContextMenu(menu: Menu): void;
  destroy(): void;
}

export interface TrayServiceOptions<Menu> {
  createTray: () => TrayLike<Menu>;
  buildMenu: (template: MenuTemplateItem[]) => Menu;
  onAction: (action: TrayAction) => void;
  now?: () => number;
  /** The app's badge count (Electron's app.setBadgeCount where the desktop has one); called when it changes. */
  setBadge?: (count: number) => void;
}

/** Keeps the tray's inputs and re-renders only when what it shows changed. */
export class TrayService<Menu> {
  private accounts: Account[] = [];
  private readonly views = new Map<string, SliceView>();
  private tray: TrayLike<Menu> | null;
  private shown = '';
  private shownModel: TrayModel | null = null;
  private shownBadge = 0;

  constructor(private readonly options: TrayServiceOptions<Menu>) {
    this.tray = options.createTray();
  }

  setAccounts(accounts: Account[]): void {
    this.accounts = accounts;
    const known = new Set(accounts.map((account) => account.id));
    for (const accountId of this.views.keys()) if (!known.has(accountId)) this.views.delete(accountId);
    this.render();
  }

  setView(view: SliceView): void {
    this.views.set(view.accountId, view);
    this.render();
  }

  /** Also called on a timer so that "ready 12m" keeps counting. */
  render(): void {
    if (!this.tray) return;
    const views = [...this.views.values()];
    const badge = badgeCount(views);
    if (badge !== this.shownBadge) {
      this.shownBadge = badge;
      this.options.setBadge?.(badge);
    }
    const model = buildTrayModel(this.accounts, views, (this.options.now ?? Date.now)());
    const fingerprint = JSON.stringify(model);
    if (fingerprint === this.shown) return;
    this.shown = fingerprint;
    this.shownModel = model;
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(this.options.buildMenu(toMenuTemplate(model.items, this.options.onAction)));
  }

  /** What the tray shows right now (Electron's Tray cannot be read back). */
  get current(): TrayModel | null {
    return this.shownModel;
  }

  /** The badge count last given to setBadge. */
  get badge(): number {
    return this.shownBadge;
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
  }
}
