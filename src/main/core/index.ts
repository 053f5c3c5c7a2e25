/**
 * createCore: the whole host, plain Node (never imports 'electron'). Both
 * transports call `dispatch(core.handlers, …)` and forward `core.events`.
 * Nothing here is a module-level singleton; two cores over two data dirs can
 * live in one process (the tests do exactly that).
 */
import { normalizeProxy, proxyAddress } from '@shared/proxy';
import type { Logger } from 'pino';
import type Docker from 'dockerode';
import type { AppEventSource, CommandHandlers } from '@shared/contract';
import { SlicedeckError } from '@shared/errors';
import type { CoreConfig } from './config';
import { Store } from './db/store';
import { DockerodeRuntime } from './docker/dockerode-runtime';
import type { SliceRuntime } from './docker/runtime';
import { SwarmRuntime } from './docker/swarm-runtime';
import { EventBus } from './events';
import { DiskBudget } from './slices/disk-budget';
import { createFileLogger, noteTightenedModes } from './logger';
import { securePrivateDir } from './secrets/data-dir';
import { SliceTokens, type SecretProtector } from './secrets/slice-tokens';
import { newAccountId } from './slices/ids';
import { HealthMonitor } from './slices/health-monitor';
import { Reconciler } from './slices/reconciler';
import { Accounts } from './slices/account';
import { SliceService, readySliceOf, type StageHook } from './slices/slice-service';
import { StatsSampler } from './slices/stats-sampler';
import { SystemMonitor } from './system-status';
import { ImageBuild, type ImageBuilder } from './image-build';
import { Outbox } from './outbox/outbox';
import { OutboxStore } from './outbox/outbox-store';
import { CoreMetrics } from './metrics/core-metrics';
import { SliceLogs } from './logs/slice-logs';
import { createGateway, type Gateway } from './gateway';
import { CHATS_PAGE_MAX } from '@shared/paging';
import { UnreadBook } from './unread/unread-book';
import { NotificationSettingsStore } from './notify/notification-settings-store';
import type { ApiTokenInfo } from '@shared/gateway';

export type { CoreConfig } from './config';
export type { ImageBuilder } from './image-build';
export type { StageHook, StagePoint } from './slices/slice-service';
export type { SecretProtector } from './secrets/slice-tokens';
export { loadConfig } from './config';

export interface Core {
  handlers: CommandHandlers;
  events: AppEventSource;
  config: CoreConfig;
  homeId: string;
  /** `GET /metrics`' text (metrics/core-metrics.ts); the web mode serves it behind its own token. */
  metrics: { render(): Promise<string> };
  /** The API token's row when `presented` is a live API token (the web mode's API route); null otherwise. */
  verifyApiToken(presented: string): ApiTokenInfo | null;
  close(opts?: { destroySlices?: boolean }): Promise<void>;
}

export interface CreateCoreOptions {
  config: CoreConfig;
  /** Defaults to a pino logger writing <dataDir>/logs/slicedeck.log. */
  logger?: Logger;
  /** dockerode connection options; by default dockerode's own (which honour DOCKER_HOST). */
  docker?: Docker.DockerOptions;
  /**
   * Builds the slice image for `system.buildImage` (the shells pass one that runs
   * scripts/slice-image.mjs). Without it the command refuses with what to run instead.
   */
  imageBuilder?: ImageBuilder;
  /**
   * Test-only seam, never passed by the shells: awaited at a fixed point inside each
   * provisioning stage's work (see StageHook in slices/slice-service.ts), so a crash
   * test can hold the host there and kill it. Absent, nothing is awaited.
   */
  stageHook?: StageHook;
  /**
   * Test-only seam, never passed by the shells: the engine to run slices on instead of
   * the one `config.runtime` names (the tests' in-memory runtime, test/helpers/memory-runtime.ts).
   * It outlives the core, as an engine does: a reopened core over the same data finds its slices.
   */
  runtime?: SliceRuntime;
  /** better-sqlite3's compiled addon for this runtime (the desktop shell's Electron build); the package's own by default. */
  sqliteBinding?: string;
  /**
   * Seals the data dir's slice key with a key the OS keeps (the desktop shell passes
   * one on Electron safeStorage). Without it the key sits in a 0600 file.
   */
  secretProtector?: SecretProtector;
}

/** Internals for tests and the bench; not part of the contract. */
export interface CoreInternals {
  runtime: SliceRuntime;
  reconciler: Reconciler;
  health: HealthMonitor;
  slices: SliceService;
  store: Store;
  stats: StatsSampler;
  diskBudget: DiskBudget;
  gateway: Gateway;
}
const internalsOf = new WeakMap<Core, CoreInternals>();
export function coreInternals(core: Core): CoreInternals {
  const internals = internalsOf.get(core);
  if (!internals) throw new Error('not a core made by createCore');
  return internals;
}

const NETWORK_CLEANUP_TIMEOUT_MS = 3_000;

export async function createCore(options: CreateCoreOptions): Promise<Core> {
  const { config } = options;
  const ownedLogger = options.logger ? null : createFileLogger(config);
  const logger = options.logger ?? ownedLogger!.logger;
  noteTightenedModes(logger, securePrivateDir(config.dataDir));
  const tokens = SliceTokens.open(config.dataDir, options.secretProtector);
  const store = new Store(config.dataDir, Date.now, {
    tokenFor: (sliceId) => tokens.forSlice(sliceId),
    nativeBinding: options.sqliteBinding,
    historyCap: config.historyCap,
    historyCoalesceMs: config.historyCoalesceMs,
  });
  const homeId = store.homeId();
  const bus = new EventBus(logger);
  const runtime: SliceRuntime =
    options.runtime ??
    (config.runtime === 'swarm' ? new SwarmRuntime(options.docker, { stopGraceMs: config.stopGraceMs }) : new DockerodeRuntime(options.docker, { noexecVolumes: config.volumeNoexec }));
  const system = new SystemMonitor({ config, store, runtime, bus, homeId, logger });
  // The accounts' owners come first: the outgoing queue asks them which slice is Ready, and the
  // slice service (built after the queue) tells the queue what slices say — no cycle, nothing nullable.
  const accounts = new Accounts();
  const unread = new UnreadBook();
  // One statement cache over the outbox table: the queue writes it, /metrics reads its depth.
  const outboxStore = new OutboxStore(store.handle());
  const queue = new Outbox({
    store: outboxStore,
    bus,
    logger,
    cap: config.outboxCap,
    retryMs: config.outboxRetryMs,
    readySlice: (accountId) => readySliceOf(accounts, store, accountId),
  });
  const slices = new SliceService({
    config,
    store,
    runtime,
    bus,
    logger,
    homeId,
    requireDocker: () => system.requireDocker(),
    accounts,
    stageHook: options.stageHook,
    unread: (accountId) => unread.total(accountId),
    outgoing: {
      ack: (accountId, messageId, ack) => queue.onAck(accountId, messageId, ack),
      queued: (accountId) => queue.pendingCount(accountId),
    },
  });
  // Ready (and not reconnecting): hand over what waits. A message's status changes the view's count.
  bus.subscribe((event) => {
    if (event.type === 'slice' && event.data.stage === 'ready' && !event.data.note && store.getAccount(event.data.accountId)) queue.kick(event.data.accountId);
    if (event.type === 'message.status') slices.publishView(event.data.accountId);
  });
  // Unread counts (unread/unread-book.ts): WhatsApp's per-chat counts from the first chats page
  // once a slice is Ready, then each message that comes in; a changed total re-publishes the view.
  const seededSlices = new Set<string>();
  const seedUnread = (accountId: string, sliceId: string) => {
    seededSlices.add(sliceId);
    void slices
      .chats(accountId, { limit: CHATS_PAGE_MAX })
      .then((page) => unread.seed(accountId, page) && slices.publishView(accountId))
      .catch((err: unknown) => {
        seededSlices.delete(sliceId); // the next view of this Ready slice tries again
        logger.debug({ accountId, err }, 'could not read the chats for the unread count yet');
      });
  };
  bus.subscribe((event) => {
    if (event.type === 'chat.message' && unread.message(event.data.accountId, event.data.message)) slices.publishView(event.data.accountId);
    if (event.type === 'slice') {
      const { accountId, sliceId, stage } = event.data;
      if (stage === 'ready' && sliceId && !seededSlices.has(sliceId)) seedUnread(accountId, sliceId);
      // Logged out or removed: that device's chats are not the account's any more.
      if (stage === 'idle' && !store.sessionSaved(accountId)) unread.forget(accountId);
    }
  });
  const notificationSettings = new NotificationSettingsStore(store.handle(), (accountId) => store.getAccount(accountId) !== undefined);
  const imageBuild = new ImageBuild({ image: config.image, system, logger, builder: options.imageBuilder });
  const reconciler = new Reconciler({ store, runtime, slices, homeId, logger, stopGraceMs: config.stopGraceMs });

  // Start-up tidy-up: a core must come up even when Docker does not answer (the UI shows a banner).
  // Either way system.status is asked once: it also runs the start-up check of the slices'
  // uid (a host account that has it is named in the log and the panel's banner).
  try {
    await reconciler.runOnce();
  } catch (error) {
    logger.warn({ err: error }, 'start-up reconciliation skipped: Docker is not answering');
  }
  await system.status().catch(() => undefined);
  // Slices found Ready at start-up (adopted): their counts are read as a new Ready's are.
  for (const view of slices.list()) if (view.stage === 'ready' && view.sliceId && !seededSlices.has(view.sliceId)) seedUnread(view.accountId, view.sliceId);
  reconciler.start(config.reconcileIntervalMs);
  queue.start();
  const health = new HealthMonitor({ slices, logger, refreshSystem: () => system.status() });
  health.start(config.healthIntervalMs);
  const diskBudget = new DiskBudget({ store, runtime, slices, logger, homeId, maxBytes: config.volumeMaxBytes });
  diskBudget.start(config.volumeCheckIntervalMs);
  // Idle until the Dashboard asks (`slices.stats`): no engine traffic for stats otherwise.
  const stats = new StatsSampler({
    store,
    runtime,
    bus,
    logger,
    intervalMs: config.statsIntervalMs,
    interestMs: config.statsInterestMs,
    historySize: config.statsHistory,
  });
  stats.start();
  const sliceLogs = new SliceLogs({ store, runtime });

  const gateway = createGateway({
    db: store.handle(),
    events: bus,
    logger,
    backoff: { baseMs: config.webhookBackoffBaseMs, maxMs: config.webhookBackoffMaxMs, attempts: config.webhookAttempts },
    timeoutMs: config.webhookTimeoutMs,
    accountExists: (accountId) => store.getAccount(accountId) !== undefined,
  });

  const metrics = new CoreMetrics({ store, outbox: outboxStore, stats: () => stats.request(), webhookBacklog: () => gateway.backlog() });

  const emitAccounts = () => bus.emit('accounts', store.listAccounts());
  const requireAccount = (accountId: string) => {
    const account = store.getAccount(accountId);
    if (!account) throw new SlicedeckError('not_found', 'There is no such account (it may have been removed). Refresh the account list.');
    return account;
  };

  const handlers: CommandHandlers = {
    'accounts.list': async () => store.listAccounts(),
    'accounts.add': async ({ name }) => {
      const account = store.addAccount(newAccountId(), name);
      logger.info({ accountId: account.id }, 'account added');
      emitAccounts();
      return account;
    },
    'accounts.rename': async ({ accountId, name }) => {
      requireAccount(accountId);
      const account = store.renameAccount(accountId, name)!;
      emitAccounts();
      return account;
    },
    'accounts.setProxy': async ({ accountId, proxy }) => {
      requireAccount(accountId);
      const account = store.setAccountProxy(accountId, normalizeProxy(proxy))!;
      // The address only: the password never reaches a log.
      logger.info({ accountId, proxy: proxyAddress(proxy), login: proxy.username !== undefined }, 'account proxy set');
      emitAccounts();
      return account;
    },
    'accounts.clearProxy': async ({ accountId }) => {
      requireAccount(accountId);
      const account = store.setAccountProxy(accountId, null)!;
      logger.info({ accountId }, 'account proxy removed');
      emitAccounts();
      return account;
    },
    'accounts.remove': async ({ accountId }) => {
      requireAccount(accountId);
      await slices.removeAccount(accountId);
      unread.forget(accountId);
      logger.info({ accountId }, 'account removed');
      emitAccounts();
    },
    'slices.connect': ({ accountId }) => slices.connect(accountId),
    'slices.destroy': ({ accountId }) => slices.destroy(accountId),
    'slices.logout': ({ accountId }) => slices.logout(accountId),
    'slices.view': async ({ accountId }) => slices.view(accountId),
    'slices.list': async () => slices.list(),
    'slices.history': async ({ accountId }) => slices.history(accountId),
    'slices.stats': () => stats.request(),
    'slices.logs': ({ accountId, query, limit }) => sliceLogs.read(accountId, { query, limit }),
    'chats.list': async ({ accountId, ...page }) => {
      const chats = await slices.chats(accountId, page);
      // Any page is WhatsApp's word on those chats' counts (a search's too: same chats, same counts).
      if (unread.seed(accountId, chats)) slices.publishView(accountId);
      return chats;
    },
    'chats.markRead': async ({ accountId, chatId }) => {
      requireAccount(accountId);
      if (unread.read(accountId, chatId)) slices.publishView(accountId);
    },
    'notifications.get': async () => notificationSettings.get(),
    'notifications.set': async (settings) => notificationSettings.set(settings),
    'chats.messages': async ({ accountId, chatId, ...page }) => queue.decorate(accountId, chatId, await slices.messages(accountId, chatId, page), page),
    'messages.send': async ({ accountId, chatId, text, idempotencyKey }) => {
      requireAccount(accountId);
      const view = slices.view(accountId);
      // An account that was never linked and has no slice has nowhere to deliver to: say so instead of queueing.
      if (view.phase === 'setup' && !store.sessionSaved(accountId) && !view.queued) {
        throw new SlicedeckError('slice_unavailable', 'This account has no running slice yet. Connect this account first (click “Connect WhatsApp”).');
      }
      const state = view.stage === 'ready' && !view.note ? 'ready' : view.phase === 'error' ? 'error' : view.phase === 'setup' ? 'disconnected' : 'connecting';
      return queue.send(accountId, chatId, text, idempotencyKey ?? null, state);
    },
    'messages.media': ({ accountId, chatId, messageId }) => slices.media(accountId, chatId, messageId),
    'messages.cancel': async ({ accountId, queueId }) => {
      requireAccount(accountId);
      queue.cancel(accountId, queueId);
    },
    'slices.pairingCode': ({ accountId, phoneNumber }) => slices.pairingCode(accountId, phoneNumber),
    'sim.fault': ({ accountId, kind, count }) => slices.simFault(accountId, kind, count),
    'system.status': () => system.status(),
    'system.buildImage': () => imageBuild.build(),
    'sim.scan': ({ accountId, syncMs }) => slices.simScan(accountId, syncMs),
    ...gateway.handlers,
  };

  let closing: Promise<void> | null = null;
  const core: Core = {
    handlers,
    events: bus,
    config,
    homeId,
    metrics,
    verifyApiToken: (presented) => gateway.verifyToken(presented),
    close(opts) {
      closing ??= (async () => {
        await gateway.close();
        await stats.stop();
        await queue.close();
        await reconciler.stop();
        await health.stop();
        await diskBudget.stop();
        await slices.close(opts);
        // The data dir's network goes when no slice is left on it (slices kept running keep it).
        // Bounded: an engine that stopped answering must not hold up closing.
        await Promise.race([
          runtime.removeNetworkIfUnused(homeId).catch((err: unknown) => logger.debug({ err }, 'the slice network stays for now')),
          new Promise((resolve) => setTimeout(resolve, NETWORK_CLEANUP_TIMEOUT_MS).unref()),
        ]);
        store.close();
        ownedLogger?.close();
      })();
      return closing;
    },
  };
  internalsOf.set(core, { runtime, reconciler, health, slices, store, stats, diskBudget, gateway });
  logger.info(
    { homeId, dataDir: config.dataDir, driver: config.driver, sliceKey: tokens.protection === 'os' ? `sealed by ${options.secretProtector!.name}` : 'private file (no OS keychain)' },
    'core started',
  );
  return core;
}
