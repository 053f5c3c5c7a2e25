/**
 * The real slice (Chromium image, real whatsapp-web.js) as a Swarm service, end to end,
 * against the stand-in WhatsApp Web (test/standin-whatsapp/) — what
 * real-wwebjs-standin.test.ts proves on one engine, here in the service's locked-down
 * settings (read-only root, tmpfs /tmp and cache, HOME=/tmp, a 256 MB /dev/shm tmpfs,
 * init, all capabilities dropped, the token as a Swarm secret, the home's swarm bridge).
 *
 * The stand-in listens on the host's end of the private swarm's link (HOST_ADDRESS) and
 * nowhere else; SLICEDECK_CHROMIUM_ARGS sends the slice's Chromium there for
 * web.whatsapp.com and nowhere else. The image is the Chromium build's content tag,
 * loaded into the nodes (never :latest or :chromium); nodes that lacked it lose it again.
 *
 * Registered by runtime-swarm.test.ts, under its lease, before its check of the main engine.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import { coreInternals } from '../../src/main/core';
import { loadConfig } from '../../src/main/core/config';
import { LABELS } from '../../src/main/core/docker/labels';
import { HOST_ADDRESS, MANAGER, NODES, loadImage, nodeDocker } from '../../scripts/lib/private-swarm.mjs';
import { makeTestCore, type TestCore } from '../helpers/core';
import { execIn } from '../helpers/docker';
import { ensureChromiumImage } from '../helpers/images';
import { StandinWhatsApp } from '../standin-whatsapp/server';

const CONTACTS = 25;
const MANAGER_SOCKET = MANAGER.dockerHost.slice('unix://'.length);
const log = (line: string) => process.stderr.write(`[swarm-real] ${line}\n`);

export function swarmRealWwebjsSuite(): void {
  describe('the real whatsapp-web.js (Chromium image) as a swarm service, against the stand-in WhatsApp Web', () => {
    let image = '';
    let loadedInto: string[] = [];
    let standin: StandinWhatsApp | undefined;
    let t: TestCore | undefined;
    const figures: Record<string, string | number> = {};

    beforeAll(async () => {
      image = await ensureChromiumImage();
      const loading = Date.now();
      ({ loaded: loadedInto } = (await loadImage(image, log)) as { loaded: string[] });
      if (loadedInto.length > 0) figures.imageLoadMs = Date.now() - loading;
      // Code 1 lives long enough to be scanned whatever the machine's load; the host's clock is longer still.
      standin = await StandinWhatsApp.start({ host: HOST_ADDRESS, codes: 3, firstCodeMs: 30_000, nextCodeMs: 20_000, syncMs: 1_500, contacts: CONTACTS });
      // Through the setting an operator would use, parsed as the host parses it.
      const { chromiumExtraArgs } = loadConfig({ HOME: '/nowhere', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(standin.chromiumArgs()) });
      t = await makeTestCore(
        { runtime: 'swarm', driver: 'whatsapp-web.js', image, chromiumExtraArgs, qrTtlMs: 60_000, sliceMemoryBytes: 1024 * 1024 * 1024 },
        { docker: { socketPath: MANAGER_SOCKET } },
      );
    }, 600_000);

    afterAll(async () => {
      const home = t?.homeId;
      await t?.cleanup();
      await standin?.close();
      if (home) {
        // What the home may have left on the nodes: its session volumes (cleanup destroys the services).
        for (const node of NODES) {
          const engine = new Docker({ socketPath: node.dockerHost.slice('unix://'.length) });
          for (const c of await engine.listContainers({ all: true, filters: { label: [`${LABELS.home}=${home}`] } }).catch(() => [])) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
          for (const v of (await engine.listVolumes({ filters: { label: [`${LABELS.home}=${home}`] } }).catch(() => ({ Volumes: [] }))).Volumes ?? []) await engine.getVolume(v.Name).remove().catch(() => undefined);
        }
      }
      // The Chromium tag goes from the nodes this suite loaded it into (never :latest or :chromium).
      for (const name of loadedInto) await nodeDocker(NODES.find((n) => n.name === name)!, ['rmi', image]);
      log(JSON.stringify(figures));
    }, 180_000);

    /** Waits for `test`, but gives up at once, with the host's words, when the attempt ends instead. */
    async function waitForView(accountId: string, test: (view: SliceView) => boolean, timeoutMs: number, what: string, since = 0): Promise<SliceView> {
      const view = await t!.events.waitFor('slice', (v) => v.accountId === accountId && (v.stageStartedAt ?? 0) >= since && (test(v) || isTerminalStage(v.stage)), timeoutMs, what);
      if (!test(view)) throw new Error(`Waiting for ${what}, the attempt ended at "${view.stage}": ${view.error ?? 'no words'}`);
      return view;
    }

    /**
     * The slice's task container and its memory (less page cache), asked on the node it runs on,
     * and what its scratch tmpfs hold (Chromium runs with --disable-dev-shm-usage: its shared memory is in /tmp).
     */
    async function memoryOnNode(accountId: string): Promise<{ node: string; mib: number; scratch: string }> {
      const row = coreInternals(t!.core).store.getSlice(accountId)!;
      const node = NODES.find((n) => n.address === row.address)!;
      const engine = new Docker({ socketPath: node.dockerHost.slice('unix://'.length) });
      const [container] = await engine.listContainers({ filters: { label: [`${LABELS.home}=${t!.homeId}`, `${LABELS.accountId}=${accountId}`] } });
      const stats = (await engine.getContainer(container!.Id).stats({ stream: false })) as { memory_stats: { usage: number; stats?: { cache?: number; inactive_file?: number } } };
      const cache = stats.memory_stats.stats?.inactive_file ?? stats.memory_stats.stats?.cache ?? 0;
      const scratch = (await execIn(container!.Id, ['du', '-sk', '/dev/shm', '/tmp', '/app/.wwebjs_cache'], { engine })).trim().split('\n').map((line) => line.split('\t').reverse().join(' ')).join(', ');
      return { node: node.name, mib: Math.round((stats.memory_stats.usage - cache) / 1024 / 1024), scratch: `${scratch} (KiB)` };
    }

    it('connect → code 1 → scan → ready with its contacts → chats → destroy → connect again restores on its node with no code', async () => {
      const core = t!;
      const { store } = coreInternals(core.core);
      const account = await core.call('accounts.add', { name: 'Real on the swarm' });
      const connectedAt = Date.now();
      const { sliceId } = await core.call('slices.connect', { accountId: account.id });
      const code = await waitForView(account.id, (v) => v.stage === 'qr' && v.qr?.index === 1, 90_000, 'code 1 from the real library on a swarm node');
      figures.connectToFirstCodeMs = Date.now() - connectedAt;
      // The library's QR text: ref,noiseKey,identityKey,advSecret,platform.
      expect(code.qr!.payload.split(',')).toHaveLength(5);
      const first = store.getSlice(account.id)!;
      const node = NODES.find((n) => n.address === first.address);
      expect(node, `the slice's address ${first.address} is a node of the swarm`).toBeDefined();
      expect(code.node).toBe(node!.name);

      const scannedAt = Date.now();
      const session = standin!.scan(code.qr!.payload);
      await standin!.waitForReport('scanned', (data) => (data as { session?: string }).session === session, 15_000);
      const ready = await waitForView(account.id, (v) => v.stage === 'ready', 45_000, 'ready after the scan').catch((error: Error) => {
        const pageErrors = standin!.of('page_error').map((r) => String(r.data).split('\n')[0]);
        throw new Error(`${error.message}; page errors: ${pageErrors.join(' | ') || 'none'}`);
      });
      figures.scanToReadyMs = Date.now() - scannedAt;
      expect(ready.phase).toBe('ready');
      expect((await core.call('slices.view', { accountId: account.id })).contacts).toBe(CONTACTS);
      const memory = await memoryOnNode(account.id);
      figures.readyMemoryMiB = memory.mib;
      figures.readyNode = memory.node;
      figures.readyScratch = memory.scratch;
      expect(memory.node).toBe(node!.name);
      // Linked: its session is on that node.
      expect(store.sessionNode(account.id)?.name).toBe(node!.name);

      const chats = await core.call('chats.list', { accountId: account.id });
      expect(chats.map((chat) => chat.name).sort()).toEqual(standin!.phone.chats.map((chat) => chat.name).sort());
      expect(standin!.of('page_error').map((report) => String(report.data).split('\n')[0])).toEqual([]);

      await core.call('slices.destroy', { accountId: account.id });
      expect((await core.call('slices.view', { accountId: account.id })).stage).toBe('idle');
      expect(await new Docker({ socketPath: MANAGER_SOCKET }).listServices({ filters: { label: [`${LABELS.home}=${core.homeId}`, `${LABELS.accountId}=${account.id}`] } })).toEqual([]);

      const again = Date.now();
      const restored = await core.call('slices.connect', { accountId: account.id });
      expect(restored.sliceId).not.toBe(sliceId);
      await waitForView(account.id, (v) => v.stage === 'ready', 90_000, 'ready from the saved session on its node', again);
      figures.restoredConnectToReadyMs = Date.now() - again;
      const views = core.events.of('slice').filter((v) => v.accountId === account.id && v.sliceId === restored.sliceId);
      expect(views.filter((v) => v.stage === 'qr' || v.qr)).toEqual([]);
      expect(store.getSlice(account.id)!.address).toBe(node!.address);
      expect((await core.call('slices.view', { accountId: account.id })).contacts).toBe(CONTACTS);
      expect(standin!.of('restore_listener').length).toBeGreaterThan(0);
      figures.restoredMemoryMiB = (await memoryOnNode(account.id)).mib;
      await core.call('slices.destroy', { accountId: account.id });
    }, 240_000);
  });
}
