/**
 * A throw-away self-signed certificate for web.whatsapp.com, made at test time with the
 * system's openssl (the slice's Chromium runs with --ignore-certificate-errors, so only
 * TLS itself matters, not trust).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  key: string;
  cert: string;
}

export async function selfSignedCertificate(hostname = 'web.whatsapp.com'): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'standin-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`],
      { timeout: 30_000 },
    ).catch((error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : error.message;
      throw new Error(`The stand-in WhatsApp Web needs a TLS certificate and could not make one: ${why}.`);
    });
    return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
