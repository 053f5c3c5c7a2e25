/**
 * How the engine ended a home's containers, from its event stream: the signals it sent
 * (`kill` events: 15 = SIGTERM from `docker stop`, 9 = SIGKILL) and the exit code each
 * run died with (`die` events: 0 = the slice closed itself on SIGTERM, 137 = killed).
 * A container's log and exit code go with it when it is removed; its events do not.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { docker } from './docker';

export interface ContainerEnd {
  /** Signals the engine sent, in order. */
  signals: number[];
  /** The exit code of each run that ended, in order (a restart ends one run and starts another). */
  exitCodes: number[];
}

interface EngineEvent {
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export class ContainerEnds {
  private readonly ends = new Map<string, ContainerEnd>();
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly stream: Readable) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) this.take(JSON.parse(line) as EngineEvent);
      }
    });
  }

  /** Starts listening to the engine for the containers of `homeId` (before the action under test). */
  static async of(homeId: string, engine: Docker = docker): Promise<ContainerEnds> {
    const stream = (await engine.getEvents({ filters: { type: ['container'], event: ['kill', 'die'], label: [`slicedeck.home=${homeId}`] } })) as unknown as Readable;
    return new ContainerEnds(stream);
  }

  private take(event: EngineEvent): void {
    const id = event.Actor?.ID ?? event.id;
    const action = event.Action ?? event.status;
    if (!id) return;
    const end = this.ends.get(id) ?? { signals: [], exitCodes: [] };
    if (action === 'kill') end.signals.push(Number(event.Actor?.Attributes?.signal));
    if (action === 'die') end.exitCodes.push(Number(event.Actor?.Attributes?.exitCode));
    this.ends.set(id, end);
    for (const waiter of [...this.waiters]) if (waiter.test()) waiter.resolve();
  }

  /** What was seen so far for the container (empty when nothing). */
  of(containerId: string): ContainerEnd {
    const end = this.ends.get(containerId);
    return end ? { signals: [...end.signals], exitCodes: [...end.exitCodes] } : { signals: [], exitCodes: [] };
  }

  /** Waits (bounded) until the container has died `runs` times; what was seen. */
  async died(containerId: string, runs = 1, timeoutMs = 30_000): Promise<ContainerEnd> {
    const done = () => (this.ends.get(containerId)?.exitCodes.length ?? 0) >= runs;
    if (!done()) {
      await new Promise<void>((resolve, reject) => {
        const waiter = { test: done, resolve: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`container ${containerId.slice(0, 12)} did not die ${runs}× within ${timeoutMs} ms; seen: ${JSON.stringify(this.of(containerId))}`));
        }, timeoutMs);
        this.waiters.push(waiter);
      });
    }
    return this.of(containerId);
  }

  close(): void {
    this.stream.destroy();
  }
}
