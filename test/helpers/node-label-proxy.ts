/**
 * A path to a swarm manager that answers node inspections with the `slicedeck.engine`
 * label removed or pointed nowhere, for one core only: how a swarm node that this host
 * cannot ask looks to the SwarmRuntime, without changing the shared private swarm's
 * labels (other test runs lease it at the same time). Every other request passes as is.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { NODE_LABELS } from '../../src/main/core/docker/swarm/nodes';

/** pass: answers unchanged; drop: no engine label on any node; nowhere: the label names an endpoint that does not answer. */
export type NodeLabelMode = 'pass' | 'drop' | 'nowhere';

/** A unix socket no engine listens on. */
export const NOWHERE = 'unix:///run/sdsw-no-engine-here.sock';

interface NodeJson {
  Spec?: { Labels?: Record<string, string> };
}

export class NodeLabelProxy {
  mode: NodeLabelMode = 'pass';
  private server: http.Server | null = null;

  constructor(
    readonly path: string,
    private readonly target: string,
  ) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = http.createServer((req, res) => {
      const upstream = http.request({ socketPath: this.target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const isNode = req.method === 'GET' && /\/nodes(\/[^/?]+)?(\?|$)/.test(req.url ?? '');
        if (!isNode || this.mode === 'pass' || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as NodeJson | NodeJson[];
          for (const node of Array.isArray(parsed) ? parsed : [parsed]) {
            const labels = node.Spec?.Labels;
            if (!labels) continue;
            if (this.mode === 'drop') delete labels[NODE_LABELS.engine];
            else labels[NODE_LABELS.engine] = NOWHERE;
          }
          const body = Buffer.from(JSON.stringify(parsed));
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(200, headers);
          res.end(body);
        });
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    rmSync(this.path, { force: true });
  }
}
