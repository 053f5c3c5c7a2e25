/**
 * Issue 19, finding 11: contact numbers were logged in clear (the host's "message queued",
 * the slice's "queued") while the pairing number was masked. Both logs now carry a chat id
 * masked as the pairing number is (`…4567@c.us`). Real core, real slice, real log files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coreInternals } from '../../src/main/core';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, demuxDockerStream, docker } from '../helpers/docker';

describe('contact numbers in the logs', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await makeTestCore({ simReplyDelayMs: 0 });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("are masked in the host's log and the slice's, as the pairing number is", async () => {
    const { accountId } = await linkNewAccount(t, 'Masked');
    const chat = (await t.call('chats.list', { accountId })).find((c) => c.id.endsWith('@c.us'))!;
    const number = chat.id.slice(0, chat.id.indexOf('@'));
    expect(number).toMatch(/^\d{7,15}$/);
    await t.call('messages.send', { accountId, chatId: chat.id, text: 'hello' });
    const masked = `…${number.slice(-4)}@c.us`;

    const hostLog = join(t.dataDir, 'test.log');
    for (let i = 0; i < 100 && !readFileSync(hostLog, 'utf8').includes('message queued'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const host = readFileSync(hostLog, 'utf8');
    expect(host).toContain(`"chatId":"${masked}"`);
    expect(host).not.toContain(number);

    // The slice's own log (docker logs) names the chat nowhere in clear either.
    const [container] = await containersOfHome(t.homeId, { accountId });
    const slice = demuxDockerStream(await docker.getContainer(container!.Id).logs({ stdout: true, stderr: true }));
    expect(slice).toContain('"event":"transition"');
    expect(slice).not.toContain(number);
    expect(coreInternals(t.core).store.getAccount(accountId)).toBeTruthy();
  });
});
