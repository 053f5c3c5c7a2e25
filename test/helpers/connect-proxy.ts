/**
 * A small, real HTTP CONNECT proxy for the tests of an account's proxy (issue 21). It listens
 * on one address of this machine (the Docker bridge gateway, where a slice reaches the
 * stand-in WhatsApp Web), logs every CONNECT it sees, and tunnels only to where `route` says
 * — `web.whatsapp.com:443` to the stand-in — refusing anything else with 403, so no test
 * traffic leaves this machine. With `credentials` it answers 407 (Basic) to a CONNECT without
 * the right `Proxy-Authorization`, as a proxy that needs a login does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ConnectRecord {
  /** What the CONNECT asked for (`host:port`). */
  target: string;
  /** 'tunnel': the tunnel was opened; 'auth_required': answered 407; 'refused': answered 403; 'plain': a non-CONNECT request (403). */
  outcome: 'tunnel' | 'auth_required' | 'refused' | 'plain';
  /** The Basic login it carried, decoded (`user:password`), or null. */
  login: string | null;
  at: number;
  /** Bytes the client sent through an open tunnel (a TLS handshake and more for a browser; 0 for a bare probe). */
  bytesUp: number;
}

export interface ConnectProxyOptions {
  host: string;
  /** Where a target goes; null refuses it (403). */
  route: (target: string) => { host: string; port: number } | null;
  credentials?: { username: string; password: string };
}

export class ConnectProxy {
  readonly records: ConnectRecord[] = [];

  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: ConnectProxyOptions): Promise<ConnectProxy> {
    const server = createServer();
    const sockets = new Set<Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host, () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy did not get a port');
    const proxy = new ConnectProxy(server, sockets, options.host, address.port);
    server.on('request', (req: IncomingMessage, res) => {
      proxy.records.push({ target: req.url ?? '', outcome: 'plain', login: loginOf(req), at: Date.now(), bytesUp: 0 });
      res.writeHead(403, { connection: 'close' }).end();
    });
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      const target = req.url ?? '';
      const login = loginOf(req);
      const record = (outcome: ConnectRecord['outcome']): ConnectRecord => {
        const entry: ConnectRecord = { target, outcome, login, at: Date.now(), bytesUp: 0 };
        proxy.records.push(entry);
        return entry;
      };
      client.on('error', () => undefined);
      const expected = options.credentials ? `${options.credentials.username}:${options.credentials.password}` : null;
      if (expected !== null && login !== expected) {
        record('auth_required');
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="slicedeck-test"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const to = options.route(target);
      if (!to) {
        record('refused');
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const tunnel = record('tunnel');
      tunnel.bytesUp += head.length;
      client.on('data', (chunk: Buffer) => (tunnel.bytesUp += chunk.length));
      const upstream = connect(to.port, to.host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    return proxy;
  }

  /** The tunnels opened (and attempts) to `target` since `since`. */
  seen(target: string, since = 0): ConnectRecord[] {
    return this.records.filter((r) => r.target === target && r.at >= since);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function loginOf(req: IncomingMessage): string | null {
  const header = req.headers['proxy-authorization'];
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : null;
}

/** A port on `host` where nothing listens: a proxy that refuses every connection. */
export async function refusingPort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
