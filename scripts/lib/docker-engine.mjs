/**
 * Talking to (and, when we may, starting) the Docker engine with Node builtins only:
 * setup runs before any dependency is installed, so no dockerode here.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineEndpoint } from './setup-plan.mjs';

/** `GET /_ping`; resolves true when the engine answers OK, false otherwise (never throws). */
export function pingEngine({ env = process.env, platform = process.platform, timeoutMs = 2000 } = {}) {
  const endpoint = engineEndpoint(env.DOCKER_HOST, platform, { tls: Boolean(env.DOCKER_TLS_VERIFY) });
  if (endpoint.error) return Promise.resolve(false);
  const transport = endpoint.tls ? https : http;
  const tlsOptions = endpoint.tls ? tlsFiles(env.DOCKER_CERT_PATH) : {};
  return new Promise((resolve) => {
    const request = transport.request(
      { ...stripTls(endpoint), ...tlsOptions, path: '/_ping', method: 'GET', timeout: timeoutMs },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(false));
    request.end();
  });
}

function stripTls({ tls: _tls, ...rest }) {
  return rest;
}

function tlsFiles(certPath) {
  if (!certPath) return {};
  const read = (name) => (existsSync(join(certPath, name)) ? readFileSync(join(certPath, name)) : undefined);
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

/** Polls the ping until it answers or the time is up (bounded: setup must never hang). */
export async function waitForEngine({ timeoutMs = 60_000, intervalMs = 500, isAlive = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingEngine()) return true;
    if (!isAlive()) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return pingEngine();
}

export const DOCKERD_LOG = join(tmpdir(), 'slicedeck-dockerd.log');

/**
 * Starts `dockerd` detached so it outlives setup (the tests and the panel need it
 * afterwards). Its output goes to a log file, never to our terminal.
 * @returns {{ log: string, isAlive: () => boolean }}
 */
export function startDockerd() {
  // A fresh log per start, so that what we quote on failure is this start's.
  const logFd = openSync(DOCKERD_LOG, 'w');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', () => {
    exited = true;
  });
  child.unref();
  return { log: DOCKERD_LOG, isAlive: () => !exited };
}

/** The last lines of the daemon's log, to quote when it would not start. */
export function dockerdLogTail(lines = 8) {
  if (!existsSync(DOCKERD_LOG)) return '';
  return readFileSync(DOCKERD_LOG, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
