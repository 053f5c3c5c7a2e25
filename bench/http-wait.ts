import http from 'node:http';

/** One GET; resolves with the status code, or null when the connection fails. */
export function getStatus(port: number, path: string, timeoutMs = 1_000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/**
 * Poll until a real 200 (docker-proxy accepts TCP before the app listens), with the
 * same granularity the host uses, bounded in time.
 */
export async function waitFor200(port: number, path: string, deadlineMs: number, intervalMs = 20): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if ((await getStatus(port, path)) === 200) return;
    if (Date.now() > end) throw new Error(`no 200 from 127.0.0.1:${port}${path} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
