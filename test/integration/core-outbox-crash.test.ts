/**
 * The outgoing queue survives a host `kill -9` (issue 9, part 2): a message sent while
 * the account is linking is answered `queued` only once it is in SQLite; the host is
 * killed and the slice container removed; after the next link it is delivered — once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '@shared/contract';
import type { SendResult } from '@shared/types';
import { makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { containersOfHome, docker, removeHome } from '../helpers/docker';
import { killableHostEnv, spawnHost } from '../helpers/spawn-host';

const range = workerPortRange();
const CHAT = '15550000001@c.us';

describe('a message accepted while linking survives kill -9 of the host and the loss of its slice', () => {
  it('is delivered exactly once after the next link', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-outbox-crash-'));
    let homeId: string | undefined;
    let t: TestCore | undefined;
    try {
      const text = `accepted before the crash ${Date.now()}`;
      const host = await spawnHost({
        ...killableHostEnv(dataDir, range),
        SLICEDECK_QR_TTL_MS: '20000',
        SLICEDECK_QR_FIRST_TTL_MS: '20000',
        HOST_SEND_CHAT: CHAT,
        HOST_SEND_TEXT: text,
      });
      homeId = (await host.waitForLine((line) => line.type === 'home')).homeId!;
      const line = await host.waitForLine((l) => l.type === 'queued');
      const answer = JSON.parse(line.message!) as Envelope<SendResult>;
      expect(answer).toMatchObject({ ok: true, result: { status: 'queued', queueId: expect.stringMatching(/^out_/) } });
      const queueId = (answer as { result: SendResult }).result.queueId!;

      await host.kill9();
      for (const c of await containersOfHome(homeId)) await docker.getContainer(c.Id).remove({ force: true });
      expect(await containersOfHome(homeId)).toHaveLength(0);

      t = await makeTestCore({ qrTtlMs: 20_000 }, { dataDir });
      const accountId = line.accountId!;
      const view = await t.call('slices.view', { accountId });
      expect(view.queued).toBe(1);
      if (view.phase !== 'setup') await t.call('slices.destroy', { accountId });
      await t.call('slices.connect', { accountId });
      await t.events.waitForStage(accountId, 'qr');
      await t.call('sim.scan', { accountId });
      await t.events.waitForStage(accountId, 'ready');
      const sent = await t.events.waitFor('message.status', (s) => s.queueId === queueId && s.status === 'sent', 30_000, 'the queued message to be sent');
      expect(sent.messageId).toBeTruthy();
      const thread = await t.call('chats.messages', { accountId, chatId: CHAT });
      expect(thread.filter((m) => m.fromMe && m.body === text)).toHaveLength(1);
      // Nothing is left to send, so nothing more can come: exactly once.
      expect((await t.call('slices.view', { accountId })).queued).toBeUndefined();
    } finally {
      await t?.cleanup();
      if (homeId) await removeHome(homeId);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
