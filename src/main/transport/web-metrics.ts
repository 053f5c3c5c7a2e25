/**
 * `GET /metrics` of the web mode: the core's Prometheus text (core/metrics/), behind a token
 * of its own — a scraper's credentials file must not open the panel, nor the panel's token
 * the metrics. Bearer header only (a query string ends up in a scraper's target list and
 * logs). The Host and Origin checks of web.ts have run before this is reached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasToken, trustConnection } from '../../http-kit';
import { EXPOSITION_CONTENT_TYPE } from '../core/metrics/prometheus-text';
import { SECURITY_HEADERS } from './web-security';

export const METRICS_PATH = '/metrics';

export interface MetricsSource {
  render(): Promise<string>;
}

export interface MetricsRouteOptions {
  metrics: MetricsSource | undefined;
  /** Absent: the endpoint is off (404 with words). */
  token: string | undefined;
  logger?: { warn(obj: object, msg?: string): void } | undefined;
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'Content-Type': status === 200 ? EXPOSITION_CONTENT_TYPE : 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export async function serveMetrics(req: IncomingMessage, res: ServerResponse, opts: MetricsRouteOptions): Promise<void> {
  if (!opts.metrics || !opts.token) return sendText(res, 404, 'Metrics are off in this slicedeck.\n');
  if (!hasToken(req, opts.token)) {
    return sendText(
      res,
      401,
      'The metrics token is missing or wrong. Send it as "Authorization: Bearer <token>" (Prometheus: authorization.credentials_file). It is the one slicedeck printed at start, or the file <data dir>/metrics-token, or SLICEDECK_METRICS_TOKEN; the panel token does not open /metrics.\n',
      { 'WWW-Authenticate': 'Bearer realm="slicedeck metrics"' },
    );
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Use GET for /metrics.\n', { Allow: 'GET, HEAD' });
  // A scraper comes back every few seconds: its connection may stay open, as the panel's does.
  trustConnection(req, res);
  let text: string;
  try {
    text = await opts.metrics.render();
  } catch (error) {
    opts.logger?.warn({ err: error }, 'metrics could not be gathered');
    return sendText(res, 503, 'slicedeck could not gather its metrics just now (see its log); the next scrape tries again.\n');
  }
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end();
    return;
  }
  sendText(res, 200, text);
}
