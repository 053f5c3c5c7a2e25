/**
 * A cuttable path to the real Docker engine: a unix socket that forwards every
 * connection to /var/run/docker.sock. `cut()` makes the engine unreachable for
 * one core (and nobody else), `restore()` brings it back.
 */
import { unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class DockerSocketProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(readonly path: string, private readonly target = '/var/run/docker.sock') {}

  async restore(): Promise<void> {
    if (this.server) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Not there yet.
    }
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
