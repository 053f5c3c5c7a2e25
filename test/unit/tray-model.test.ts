import { describe, expect, it } from 'vitest';
import type { Account, SliceView } from '@shared/types';
import { badgeCount, buildTrayModel, formatAge, toMenuTemplate, TrayService, type MenuTemplateItem, type TrayAction, type TrayItem } from '../../src/main/tray';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const minutes = (n: number) => n * 60_000;

const alice: Account = { id: 'acc_alice1', name: 'Alice', createdAt: 1 };
const bob: Account = { id: 'acc_bob001', name: 'Bob', createdAt: 2 };
const carol: Account = { id: 'acc_carol1', name: 'Carol', createdAt: 3 };

function view(account: Account, fields: Partial<SliceView>): SliceView {
  return { accountId: account.id, phase: 'setup', stage: 'idle', stageStartedAt: null, startedAt: null, ...fields };
}
const aliceQr = view(alice, {
  phase: 'qr',
  stage: 'qr',
  sliceId: 'slc_a',
  qr: { payload: 'x', index: 2, total: 3, issuedAt: NOW - 5000, expiresAt: NOW + 15_000 },
});
const bobReady = view(bob, { phase: 'ready', stage: 'ready', sliceId: 'slc_b', stageStartedAt: NOW - minutes(12) });

const labels = (items: TrayItem[]) => items.map((item) => ('label' in item ? item.label : '—'));

describe('the tray menu', () => {
  it('has a line per slice, by account name: "Alice — QR 2/3", "Bob — ready 12m"', () => {
    const model = buildTrayModel([bob, alice, carol], [bobReady, aliceQr, view(carol, {})], NOW);
    expect(labels(model.items)).toEqual(['Alice — QR 2/3', 'Bob — ready 12m', '—', 'Open slicedeck', '—', 'Quit slicedeck']);
  });

  it('isolates a right-to-left name so it cannot pull the panel\'s words into its run (issue 19)', () => {
    const arabic: Account = { id: 'acc_arab01', name: 'محمد 2', createdAt: 4 };
    const [line] = buildTrayModel([arabic], [view(arabic, { phase: 'ready', stage: 'ready', sliceId: 'slc_c', stageStartedAt: NOW - minutes(3) })], NOW).items;
    expect(line).toMatchObject({ label: '\u2068محمد 2\u2069 — ready 3m' });
  });

  it('offers to open the panel on the account and to destroy its slice', () => {
    const [aliceLine] = buildTrayModel([alice], [aliceQr], NOW).items;
    expect(aliceLine).toEqual({
      type: 'submenu',
      label: 'Alice — QR 2/3',
      items: [
        { type: 'action', label: 'Open in panel', action: { kind: 'open', accountId: alice.id } },
        { type: 'action', label: 'Destroy slice', action: { kind: 'destroy', accountId: alice.id } },
      ],
    });
  });

  it('offers no destroy for an attempt that already ended (expired code, error)', () => {
    const expired = view(alice, { phase: 'expired', stage: 'qr_timeout' });
    const failed = view(bob, { phase: 'error', stage: 'error', error: 'boom' });
    const model = buildTrayModel([alice, bob], [expired, failed], NOW);
    expect(labels(model.items).slice(0, 2)).toEqual(['Alice — code expired', 'Bob — error']);
    for (const item of model.items.slice(0, 2)) {
      expect(item.type === 'submenu' && item.items.map((sub) => ('action' in sub ? sub.action.kind : null))).toEqual(['open']);
    }
    expect(model.tooltip).toBe('slicedeck — no slices running');
  });

  it('says when no slice runs, and still offers to open and quit', () => {
    const model = buildTrayModel([alice], [view(alice, {})], NOW);
    expect(labels(model.items)).toEqual(['No slices running', '—', 'Open slicedeck', '—', 'Quit slicedeck']);
    expect(model.tooltip).toBe('slicedeck — no slices running');
  });

  it('counts running slices by phase in the tooltip', () => {
    const starting = view(carol, { phase: 'provisioning', stage: 'starting', sliceId: 'slc_c' });
    expect(buildTrayModel([alice, bob, carol], [aliceQr, bobReady, starting], NOW).tooltip).toBe(
      'slicedeck — 3 slices: 1 ready, 1 waiting for a scan, 1 starting',
    );
    expect(buildTrayModel([bob], [bobReady], NOW).tooltip).toBe('slicedeck — 1 slice: 1 ready');
  });

  it('describes linking with its contact count', () => {
    const linking = view(alice, { phase: 'linking', stage: 'linking', sliceId: 'slc_a', contacts: 34 });
    expect(labels(buildTrayModel([alice], [linking], NOW).items)[0]).toBe('Alice — linking (34 contacts)');
  });

  it('ignores views of accounts it does not know (removed meanwhile)', () => {
    expect(labels(buildTrayModel([bob], [aliceQr, bobReady], NOW).items)[0]).toBe('Bob — ready 12m');
  });

  it('shows each account\'s unread messages on its line and their sum in the tooltip (issue 21)', () => {
    const bobUnread = { ...bobReady, unread: 4 };
    const carolUnread = view(carol, { phase: 'ready', stage: 'ready', sliceId: 'slc_c', stageStartedAt: NOW - minutes(2), unread: 1 });
    const model = buildTrayModel([alice, bob, carol], [aliceQr, bobUnread, carolUnread], NOW);
    expect(labels(model.items).slice(0, 3)).toEqual(['Alice — QR 2/3', 'Bob — ready 12m · 4 unread', 'Carol — ready 2m · 1 unread']);
    expect(model.tooltip).toBe('slicedeck — 3 slices: 2 ready, 1 waiting for a scan · 5 unread');
    expect(badgeCount([aliceQr, bobUnread, carolUnread])).toBe(5);
    expect(badgeCount([aliceQr, bobReady])).toBe(0);
  });

  it('gives ages coarsely', () => {
    expect([formatAge(30_000), formatAge(minutes(12)), formatAge(minutes(125)), formatAge(minutes(60 * 27)), formatAge(-5)]).toEqual([
      '<1m',
      '12m',
      '2h 5m',
      '1d 3h',
      '<1m',
    ]);
  });
});

describe('rendering the menu', () => {
  it('turns actions into clicks that report the action', () => {
    const clicked: TrayAction[] = [];
    const template = toMenuTemplate(buildTrayModel([alice], [aliceQr], NOW).items, (action) => clicked.push(action));
    template[0]!.submenu![1]!.click!();
    template.at(-1)!.click!();
    expect(clicked).toEqual([{ kind: 'destroy', accountId: alice.id }, { kind: 'quit' }]);
    expect(template[1]).toEqual({ type: 'separator' });
  });
});

describe('the tray service', () => {
  class FakeTray {
    tooltips: string[] = [];
    menus: MenuTemplateItem[][] = [];
    destroyed = false;
    setToolTip(text: string) {
      this.tooltips.push(text);
    }
    setContextMenu(menu: MenuTemplateItem[]) {
      this.menus.push(menu);
    }
    destroy() {
      this.destroyed = true;
    }
  }

  function service(now = () => NOW) {
    const tray = new FakeTray();
    const tray$ = new TrayService<MenuTemplateItem[]>({ createTray: () => tray, buildMenu: (template) => template, onAction: () => undefined, now });
    return { tray, service: tray$ };
  }

  it('renders when accounts or views change, and only then', () => {
    const { tray, service: trayService } = service();
    trayService.setAccounts([alice, bob]);
    trayService.setView(aliceQr);
    trayService.setView(aliceQr);
    trayService.render();
    expect(tray.tooltips).toEqual(['slicedeck — no slices running', 'slicedeck — 1 slice: 1 waiting for a scan']);
    expect(tray.menus).toHaveLength(2);
  });

  it('tells what it shows now: the model of its last render', () => {
    const { tray, service: trayService } = service();
    expect(trayService.current).toBeNull(); // nothing rendered before it knows the accounts
    trayService.setAccounts([alice]);
    trayService.setView(aliceQr);
    expect(trayService.current!.tooltip).toBe(tray.tooltips.at(-1));
    expect(trayService.current!.items[0]).toMatchObject({ type: 'submenu', label: tray.menus.at(-1)![0]!.label });
  });

  it('keeps counting the age of a ready slice on its timer', () => {
    let now = NOW;
    const { tray, service: trayService } = service(() => now);
    trayService.setAccounts([bob]);
    trayService.setView(bobReady);
    now += minutes(3);
    trayService.render();
    expect(tray.menus.map((menu) => menu[0]!.label)).toEqual(['No slices running', 'Bob — ready 12m', 'Bob — ready 15m']);
  });

  it('sets the app\'s badge to the unread sum when it changes, and clears it to 0 (issue 21)', () => {
    const badges: number[] = [];
    const trayService = new TrayService<MenuTemplateItem[]>({ createTray: () => new FakeTray(), buildMenu: (t) => t, onAction: () => undefined, now: () => NOW, setBadge: (n) => badges.push(n) });
    trayService.setAccounts([alice, bob]);
    trayService.setView({ ...bobReady, unread: 2 });
    trayService.setView({ ...bobReady, unread: 2 });
    trayService.setView(view(alice, { phase: 'ready', stage: 'ready', sliceId: 'slc_a', stageStartedAt: NOW, unread: 3 }));
    trayService.setView(bobReady);
    trayService.setAccounts([bob]);
    expect(badges).toEqual([2, 5, 3, 0]);
    expect(trayService.badge).toBe(0);
  });

  it('forgets views of removed accounts, and stops rendering once destroyed', () => {
    const { tray, service: trayService } = service();
    trayService.setAccounts([alice]);
    trayService.setView(aliceQr);
    trayService.setAccounts([]);
    expect(tray.menus.at(-1)![0]!.label).toBe('No slices running');
    trayService.destroy();
    trayService.setAccounts([alice]);
    expect(tray.destroyed).toBe(true);
    expect(tray.menus).toHaveLength(3);
  });
});
