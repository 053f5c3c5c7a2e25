/**
 * Hostile input through the web transport (the server of `npm run serve`) over a
 * real core (real SQLite, a real simulated slice linked and Ready — the slice app in this
 * process on the in-memory runtime, so its own failures count as this process's): for every
 * command of the contract, well-formed requests for a REAL account and chat with
 * ONE hostile field at a time, plus hostile bodies. Requests are generated from
 * the COMMANDS table, so a command added later is fuzzed without touching this
 * file (or the test says what it cannot build). Issues 4 and 13.
 *
 * Pinned: every command's handler is reached by a valid request; no answer is a
 * 500 or code `internal`; every refusal has words; the process and the server
 * stay up; nothing is polluted; SQLite's integrity_check is ok; and the limits of
 * src/shared/input-rules.ts and the contract, each at its edge.
 * Moved down from test/integration/core-fuzz.test.ts: nothing here needs an engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, COMMAND_NAMES, type CommandHandlers, type CommandName } from '@shared/contract';
import { ERROR_CODES } from '@shared/errors';
import { CHAT_ID_RULE, MESSAGE_TEXT_RULE } from '@shared/input-rules';
import { startWebServer, type WebServer } from '../../../src/main/transport/web';
import { MAX_BODY_BYTES } from '../../../src/main/transport/web-body';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

const TOKEN = 'fuzz-token-0123456789abcdef';
/** The whole fuzz must end well within this (2 cores shared with other runs). */
const RUN_BUDGET_MS = 150_000;

let tc: MemoryCore;
let server: WebServer;
let rendererDir: string;
/** Handler calls per command, counted behind dispatch (so only inputs that passed validation). */
const reached = new Map<CommandName, number>();
const unexpected: unknown[] = [];
const onUnexpected = (error: unknown) => unexpected.push(error);

beforeAll(async () => {
  tc = await makeMemoryCore();
  const counted = Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      name,
      (input: unknown) => {
        reached.set(name, (reached.get(name) ?? 0) + 1);
        return (tc.core.handlers[name] as (input: unknown) => Promise<unknown>)(input);
      },
    ]),
  ) as unknown as CommandHandlers;
  rendererDir = mkdtempSync(join(tmpdir(), 'slicedeck-fuzz-renderer-'));
  server = await startWebServer({ core: { handlers: counted, events: tc.core.events }, port: 0, token: TOKEN, rendererDir });
  process.on('unhandledRejection', onUnexpected);
  process.on('uncaughtException', onUnexpected);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnexpected);
  process.off('uncaughtException', onUnexpected);
  await server?.close();
  await tc?.cleanup();
  if (rendererDir) rmSync(rendererDir, { recursive: true, force: true });
});

// ── the wire ─────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const statuses = new Map<number, number>();
/** 5xx answers, listed for a person to read: with a healthy slice and engine there must be none. */
const serverSide: string[] = [];
let requests = 0;

/** One RPC with a raw body (a string is sent as it is, so broken JSON and odd bytes reach the server). */
async function rpc(name: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<Answer> {
  requests++;
  const response = await fetch(`${server.url}api/rpc/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const envelope = (await response.json()) as Omit<Answer, 'status'>;
  return { status: response.status, ...envelope };
}

/** What every answer must be, whatever was sent. */
function expectSane(answer: Answer, what: string): void {
  expect(answer.status, what).not.toBe(500);
  expect(typeof answer.ok, what).toBe('boolean');
  if (answer.ok) {
    expect(answer.status, what).toBe(200);
    return;
  }
  expect(ERROR_CODES, what).toContain(answer.error!.code);
  expect(answer.error!.code, what).not.toBe('internal');
  expect(answer.error!.message.trim().length, what).toBeGreaterThan(0);
}

// ── the account, the slice, the chat ────────────────────────────────────────

interface Fixture {
  accountId: string;
  chatId: string;
}

async function until<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A real account whose slice is linked and Ready, with a real chat: made (again)
 * before each command's batch, since a command's valid request may remove the
 * account, destroy the slice or log it out. Setup calls the core directly, so it
 * never counts as a fuzz request reaching a handler.
 */
async function ensureLinked(fixture: Fixture | null): Promise<Fixture> {
  const accounts = await tc.call('accounts.list');
  let accountId = fixture && accounts.some((a) => a.id === fixture.accountId) ? fixture.accountId : null;
  accountId ??= (await tc.call('accounts.add', { name: 'Fuzz target' })).id;
  const id = accountId;
  // A logout played by the previous batch (sim.fault phone_logout) may still be tearing the
  // slice down while the view says ready: only a chat list that answers proves the link.
  const { chats } = await until(
    async () => {
      const view = await tc.call('slices.view', { accountId: id });
      if (view.phase === 'setup' || view.phase === 'error' || view.phase === 'expired') await tc.call('slices.connect', { accountId: id });
      else if (view.phase === 'qr' && view.qr) await tc.call('sim.scan', { accountId: id }).catch(() => undefined);
      const now = await tc.call('slices.view', { accountId: id });
      const listed = now.phase === 'ready' ? await tc.call('chats.list', { accountId: id }).catch(() => null) : null;
      return { phase: now.phase, chats: listed ?? [] };
    },
    (state) => state.phase === 'ready' && state.chats.length > 0,
    `linking ${id}`,
  );
  return { accountId: id, chatId: chats[0]!.id };
}

// ── requests from the contract ──────────────────────────────────────────────

type Schema = z.ZodType & { _zod: { def: { type: string; innerType?: Schema; shape?: Record<string, Schema>; entries?: Record<string, unknown>; values?: unknown[] } } };

/** The object schema under a command's input (through `.optional()`), or null for a non-object input. */
function shapeOf(schema: Schema): Record<string, Schema> | null {
  const def = schema._zod.def;
  if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return shapeOf(def.innerType!);
  if (def.type === 'object') return def.shape ?? {};
  return null;
}

/** Values a field of this name/kind may take, best first: the real fixture's, then generic ones by type. */
function candidates(field: string, schema: Schema, fixture: Fixture): unknown[] {
  const known: Record<string, unknown[]> = {
    accountId: [fixture.accountId],
    chatId: [fixture.chatId],
    text: ['hello from the fuzz'],
    name: ['Fuzz target'],
    phoneNumber: ['+1 555 123 4567'],
    // Well-formed, but no such queued message: the handler answers not_found.
    queueId: ['out_0000000000000000'],
    idempotencyKey: ['fuzz-key-1'],
    // Well-formed, but no such message in the chat: the handler answers not_found.
    messageId: [`false_${fixture.chatId}_FUZZ0000`],
    // Loopback's discard port: well-formed, and nothing would ever be sent anywhere else.
    proxy: [{ scheme: 'http', host: '127.0.0.1', port: 9 }],
    accountIds: [[fixture.accountId]],
    // A webhook on loopback's discard port: its deliveries are refused there, never sent elsewhere.
    url: ['http://127.0.0.1:9/fuzz-hook'],
    events: [['message.incoming']],
    // Well-formed, but no such token or webhook: the handler answers not_found.
    tokenId: ['tok_0000000000000000'],
    webhookId: ['whk_0000000000000000'],
  };
  const out: unknown[] = [...(known[field] ?? [])];
  let def = schema._zod.def;
  while ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) def = def.innerType._zod.def;
  if (def.type === 'enum') out.push(...Object.values(def.entries ?? {}));
  if (def.type === 'literal') out.push(...(def.values ?? []));
  out.push('hello', 'x', 0, 1, 100, 1_000, true, false);
  return out;
}

interface Plan {
  name: CommandName;
  /** Every field of the input object, required or not (each gets its turn at being hostile). */
  fields: string[];
  /** A request that passes the contract: required fields filled, optional ones left out. */
  base: Record<string, unknown> | undefined;
}

function planFor(name: CommandName, fixture: Fixture): Plan {
  const input = COMMANDS[name].input as unknown as Schema;
  const shape = shapeOf(input);
  if (shape === null) throw new Error(`${name}: its input is not an object; teach the fuzz how to build a valid one`);
  const base: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(shape)) {
    if (schema.safeParse(undefined).success) continue;
    const value = candidates(field, schema, fixture).find((candidate) => schema.safeParse(candidate).success);
    if (value === undefined) throw new Error(`${name}: no valid value known for "${field}"; add one to candidates() in this test`);
    base[field] = value;
  }
  const parsed = input.safeParse(Object.keys(shape).length === 0 && input.safeParse(undefined).success ? undefined : base);
  if (!parsed.success) throw new Error(`${name}: the request the fuzz built is refused by the contract: ${parsed.error.message}`);
  return { name, fields: Object.keys(shape), base: Object.keys(base).length ? base : input.safeParse(undefined).success ? undefined : base };
}

/** One hostile value at a time in one field (each as JSON text, so values JSON.stringify cannot carry still go). */
const HOSTILE_VALUES: [label: string, json: string][] = [
  ['null', 'null'],
  ['true', 'true'],
  ['zero', '0'],
  ['negative', '-1'],
  ['float', '1.5'],
  ['negative zero', '-0'],
  ['huge number', '1e308'],
  ['overflow to Infinity', '1e999'],
  ['beyond 2^53', '9007199254740993'],
  ['empty', '""'],
  ['blank', '"   "'],
  ['NUL', '"\\u0000"'],
  ['NUL inside', '"acc_ab\\u0000cd"'],
  ['control chars', '"a\\u0007b\\u001bc"'],
  ['lone surrogate', '"\\ud800"'],
  ['RTL override', '"\\u202egnp.exe"'],
  ['emoji', '"💥"'],
  ['newline', '"acc_aaaa\\n"'],
  ['60k string', JSON.stringify('x'.repeat(60_000))],
  ['path traversal', '"../../etc/passwd"'],
  ['encoded traversal', '"..%2f..%2fetc%2fpasswd"'],
  ['dot', '"."'],
  ['dot dot', '".."'],
  ['traversal in an id', '"acc_../../x"'],
  ['SQL', `"' OR 1=1 --"`],
  ['SQL drop', `"x'); DROP TABLE accounts; --"`],
  ['script', '"<script>alert(1)</script>"'],
  ['proto name', '"__proto__"'],
  ['constructor name', '"constructor"'],
  ['unknown account', '"acc_doesnotexist"'],
  ['array', '[]'],
  ['array of a string', '["acc_aaaa"]'],
  ['object', '{}'],
  ['mongo operator', '{"$gt":""}'],
  ['proto pollution', '{"__proto__":{"polluted":true}}'],
  ['constructor pollution', '{"constructor":{"prototype":{"polluted":true}}}'],
];

/** Whole bodies that are wrong as a whole; `{base}` is replaced by the valid request's JSON members. */
const HOSTILE_BODIES: [label: string, body: string][] = [
  ['empty body', ''],
  ['null body', 'null'],
  ['number body', '42'],
  ['string body', '"text"'],
  ['array body', '[]'],
  ['array of the request', '[{base}]'],
  ['broken JSON', '{'],
  ['NaN literal', '{"x":NaN}'],
  ['raw NUL byte', '{"x":"\u0000"}'],
  ['extra key', '{{base}"unexpected":1}'],
  ['proto key', '{{base}"__proto__":{"polluted":true}}'],
  ['constructor key', '{{base}"constructor":{"prototype":{"polluted":true}}}'],
  ['duplicate key', '{{base}"accountId":"acc_doesnotexist"}'],
  ['deep nesting', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
];

function withBase(template: string, base: Record<string, unknown> | undefined): string {
  const members = base && Object.keys(base).length ? `${JSON.stringify(base).slice(1, -1)},` : '';
  return template.replace('{base}', members);
}

function bodyWith(base: Record<string, unknown> | undefined, field: string, json: string): string {
  const rest = Object.entries(base ?? {}).filter(([key]) => key !== field);
  return `{${[...rest.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`), `${JSON.stringify(field)}:${json}`].join(',')}}`;
}

/**
 * Sends one hostile request and holds the transport to the contract: what the
 * command's own schema refuses (parsed here exactly as the server parses the
 * body) is answered `invalid_input` and never reaches the handler; what it
 * accepts reaches the handler, whose answer is a result or a typed error.
 */
async function hostile(name: CommandName, body: string, label: string, headers?: Record<string, string>): Promise<void> {
  const what = `${name} ${label}: ${body.slice(0, 120)}`;
  let accepted = false;
  if (!headers) {
    try {
      // As the server does: an empty body is no input, and dispatch reads `null` as no input too.
      accepted = COMMANDS[name].input.safeParse(body.trim() === '' ? undefined : ((JSON.parse(body) as unknown) ?? undefined)).success;
    } catch {
      accepted = false;
    }
  }
  const before = reached.get(name) ?? 0;
  const answer = await rpc(name, body, headers);
  expectSane(answer, what);
  if (answer.status >= 500) serverSide.push(`${answer.status} ${answer.error?.code} ← ${name} ${label}: ${answer.error?.message}`);
  if (accepted) expect(reached.get(name) ?? 0, `${what} passes the contract, so its handler runs`).toBe(before + 1);
  else {
    expect(answer.error?.code, what).toBe('invalid_input');
    expect(reached.get(name) ?? 0, `${what} is refused before any handler`).toBe(before);
  }
}

// ── the tests ───────────────────────────────────────────────────────────────

describe('hostile input over HTTP, for a real linked account', () => {
  it('reaches every handler with a valid request, and answers every hostile one with a typed error or a result', { timeout: RUN_BUDGET_MS + 60_000 }, async () => {
    const started = Date.now();
    let fixture = await ensureLinked(null);
    const kept = (await tc.call('accounts.add', { name: 'Keeper' })).id;
    const reachedByValid = new Set<CommandName>();
    let hostileReached = 0;

    for (const name of COMMAND_NAMES) {
      if (Date.now() - started > RUN_BUDGET_MS) throw new Error(`the fuzz ran over its ${RUN_BUDGET_MS} ms budget at ${name}`);
      fixture = await ensureLinked(fixture);
      const plan = planFor(name, fixture);
      const before = reached.get(name) ?? 0;

      for (const field of [...plan.fields, 'unexpected']) {
        for (const [label, json] of HOSTILE_VALUES) await hostile(name, bodyWith(plan.base, field, json), `${field}=${label}`);
      }
      for (const [label, template] of HOSTILE_BODIES) await hostile(name, withBase(template, plan.base), label);
      await hostile(name, withBase('{base}', plan.base), 'as text/plain', { 'Content-Type': 'text/plain' });
      hostileReached += (reached.get(name) ?? 0) - before;

      // Last, the valid request itself (it may remove or unlink what the next command needs).
      const beforeValid = reached.get(name) ?? 0;
      const answer = await rpc(name, plan.base === undefined ? undefined : plan.base);
      expectSane(answer, `${name} valid`);
      if ((reached.get(name) ?? 0) > beforeValid) reachedByValid.add(name);
    }

    const missed = COMMAND_NAMES.filter((name) => !reachedByValid.has(name));
    console.log(
      `fuzz over HTTP: ${requests} requests in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${reachedByValid.size} of ${COMMAND_NAMES.length} handlers reached by a valid request` +
        `${missed.length ? ` (missed: ${missed.join(', ')})` : ''}; ${hostileReached} hostile requests passed the contract into a handler; ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    if (serverSide.length) console.log(`answers blaming the slice or Docker (5xx):\n  ${serverSide.join('\n  ')}`);
    expect(missed).toEqual([]);
    // The slice's own refusals (404 no such chat, 400 bad input) stay 4xx through the host.
    expect(serverSide).toEqual([]);

    // Unknown and odd command names are refused by name, never reaching a handler.
    for (const name of ['../../x', '__proto__', 'constructor', 'hasOwnProperty', 'accounts.list ', '', '%00', 'accounts.list/../accounts.remove']) {
      const answer = await rpc(name, {});
      expectSane(answer, `command "${name}"`);
      expect(answer.ok, `command "${name}"`).toBe(false);
    }

    // Nothing leaked into prototypes, nothing crashed, the server still answers.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(unexpected).toEqual([]);
    expect((await rpc('system.status', {})).ok).toBe(true);
    // And the whole path still works: a linked account sends a message through the server.
    fixture = await ensureLinked(fixture);
    const sent = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'still here after the fuzz' });
    expect(sent.ok, JSON.stringify(sent.error)).toBe(true);
    // The keeper is untouched and every account that exists has a well-formed id.
    const accounts = await tc.call('accounts.list');
    expect(accounts.find((a) => a.id === kept)?.name).toBe('Keeper');
    for (const account of accounts) expect(account.id).toMatch(/^acc_[A-Za-z0-9_-]{4,64}$/);
    const db = new Database(join(tc.dataDir, 'slicedeck.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});

describe('the contract’s limits, at their edges, over HTTP', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await ensureLinked(null);
  }, 60_000);

  const refusal = (answer: Answer) => ({ code: answer.error?.code, message: answer.error?.message });

  it('a message of 4096 characters is sent to a real chat; 4097 is refused with words', async () => {
    expect(MESSAGE_TEXT_RULE.maxLength).toBe(4096);
    const sent = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'x'.repeat(4096) });
    expect(sent.ok, JSON.stringify(sent.error)).toBe(true);
    const refused = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'x'.repeat(4097) });
    expect(refusal(refused)).toEqual({ code: 'invalid_input', message: `text: ${MESSAGE_TEXT_RULE.words.tooLong}` });
    // Blank is empty, however long.
    expect(refusal(await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: ' \n\t ' }))).toEqual({
      code: 'invalid_input',
      message: `text: ${MESSAGE_TEXT_RULE.words.empty}`,
    });
  });

  it('an idempotency key of 128 visible characters is one message however often it is sent; 129, a space or an empty key are refused', async () => {
    const key = 'k'.repeat(127) + '~';
    const first = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'keyed at the edge', idempotencyKey: key });
    const again = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'keyed at the edge', idempotencyKey: key });
    expect(first.ok && again.ok, JSON.stringify([first.error, again.error])).toBe(true);
    expect((again.result as { queueId: string }).queueId).toBe((first.result as { queueId: string }).queueId);
    expect(refusal(await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'x', idempotencyKey: 'k'.repeat(129) }))).toEqual({
      code: 'invalid_input',
      message: 'idempotencyKey: Keep idempotencyKey to 128 characters or fewer.',
    });
    for (const bad of ['two words', '', 'é']) {
      const answer = await rpc('messages.send', { accountId: fixture.accountId, chatId: fixture.chatId, text: 'x', idempotencyKey: bad });
      expect(answer.error?.code, JSON.stringify(bad)).toBe('invalid_input');
      expect(answer.error?.message, JSON.stringify(bad)).toMatch(/^idempotencyKey: /);
    }
  });

  it('a pairing number of 7 and of 15 digits passes the contract; 6 and 16 digits, letters and 33 characters are refused with words', async () => {
    const words = 'phoneNumber: Give the phone number in international format: 7–15 digits, country code first (e.g. +1 555 123 4567).';
    for (const phoneNumber of ['1234567', '+123 456 789 012 345', '(1) 555-123.4567']) {
      const answer = await rpc('slices.pairingCode', { accountId: fixture.accountId, phoneNumber });
      expectSane(answer, phoneNumber);
      // Ready: the account needs no code, so the handler says so (it was reached, the number was fine).
      expect(answer.error?.code, phoneNumber).toBe('conflict');
    }
    for (const phoneNumber of ['123456', '1234567890123456', '+1 555 CALL NOW', '']) {
      expect(refusal(await rpc('slices.pairingCode', { accountId: fixture.accountId, phoneNumber })), phoneNumber).toEqual({ code: 'invalid_input', message: words });
    }
    expect(refusal(await rpc('slices.pairingCode', { accountId: fixture.accountId, phoneNumber: ' '.repeat(26) + '1234567' }))).toEqual({
      code: 'invalid_input',
      message: 'phoneNumber: That phone number is too long: give 7–15 digits, country code first.',
    });
  });

  it('messages.cancel takes only a host queue id (out_ + 16 hex); an unknown one is not_found with words', async () => {
    const unknown = await rpc('messages.cancel', { accountId: fixture.accountId, queueId: 'out_0123456789abcdef' });
    expect(unknown.error?.code).toBe('not_found');
    expect(unknown.error?.message).toMatch(/no such queued message/);
    for (const queueId of ['out_0123456789abcde', 'out_0123456789ABCDEF', 'q_0123456789abcdef', 'out_0123456789abcdef0']) {
      expect(refusal(await rpc('messages.cancel', { accountId: fixture.accountId, queueId })), queueId).toEqual({
        code: 'invalid_input',
        message: 'queueId: queueId is not a queued message id (out_…).',
      });
    }
  });

  it('a chat id of 128 characters passes the contract; 129 is refused with words', async () => {
    expect(CHAT_ID_RULE.maxLength).toBe(128);
    const edge = await rpc('chats.messages', { accountId: fixture.accountId, chatId: `${'1'.repeat(123)}@c.us` });
    expectSane(edge, 'chatId of 128');
    expect(edge.error?.code).not.toBe('invalid_input');
    const over = await rpc('chats.messages', { accountId: fixture.accountId, chatId: `${'1'.repeat(124)}@c.us` });
    expect(refusal(over)).toEqual({ code: 'invalid_input', message: `chatId: ${CHAT_ID_RULE.words.tooLong}` });
    // Path segments of the host's request to the slice: a chat id of dots would walk up its URL.
    for (const chatId of ['123/456@c.us', '.', '..']) {
      expect(refusal(await rpc('chats.messages', { accountId: fixture.accountId, chatId })), chatId).toEqual({
        code: 'invalid_input',
        message: `chatId: ${CHAT_ID_RULE.words.pattern}`,
      });
    }
  });

  it('an account name of 64 characters is accepted (after trimming); 65 is refused with words', async () => {
    const edge = await rpc('accounts.add', { name: `  ${'n'.repeat(64)}  ` });
    expect(edge.ok).toBe(true);
    expect((edge.result as { name: string }).name).toBe('n'.repeat(64));
    expect(refusal(await rpc('accounts.add', { name: 'n'.repeat(65) }))).toEqual({
      code: 'invalid_input',
      message: 'name: Keep the account name to 64 characters or fewer.',
    });
    expect(refusal(await rpc('accounts.rename', { accountId: fixture.accountId, name: 'n'.repeat(65) }))).toEqual({
      code: 'invalid_input',
      message: 'name: Keep the account name to 64 characters or fewer.',
    });
    expect(refusal(await rpc('accounts.add', { name: '   ' }))).toEqual({ code: 'invalid_input', message: 'name: Give the account a name.' });
  });

  it('an account id of acc_ + 4 and acc_ + 64 characters passes the contract (and is not found); 3 and 65 are refused', async () => {
    for (const length of [4, 64]) {
      expect(refusal(await rpc('slices.view', { accountId: `acc_${'a'.repeat(length)}` })), `acc_ + ${length}`).toEqual({
        code: 'not_found',
        message: 'There is no such account (it may have been removed). Refresh the account list.',
      });
    }
    for (const length of [3, 65]) {
      expect(refusal(await rpc('slices.view', { accountId: `acc_${'a'.repeat(length)}` })), `acc_ + ${length}`).toEqual({
        code: 'invalid_input',
        message: 'accountId: accountId is not a slicedeck account id (acc_…).',
      });
    }
  });

  it(`a body of ${MAX_BODY_BYTES} bytes is read; one byte more is refused before parsing`, async () => {
    expect(MAX_BODY_BYTES).toBe(64 * 1024);
    const padded = (size: number) => {
      const body = `{"name":"${'n'.repeat(size - '{"name":""}'.length)}"}`;
      expect(Buffer.byteLength(body)).toBe(size);
      return body;
    };
    // Read and parsed: the contract refuses the name, not the transport the body.
    expect(refusal(await rpc('accounts.add', padded(MAX_BODY_BYTES)))).toEqual({
      code: 'invalid_input',
      message: 'name: Keep the account name to 64 characters or fewer.',
    });
    expect(refusal(await rpc('accounts.add', padded(MAX_BODY_BYTES + 1)))).toEqual({
      code: 'invalid_input',
      message: 'The request body is larger than 64 KB; send less.',
    });
  });
});
