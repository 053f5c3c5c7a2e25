/**
 * Who a uid is on this machine. Asked through `getent` so that accounts from NSS
 * (LDAP, FreeIPA, sssd, systemd-homed) count as well as /etc/passwd; `getent passwd
 * <uid>` looks one id up even where enumerating every account is switched off.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const GETENT_TIMEOUT_MS = 10_000;

/** The login name of `uid` on this machine, or null when no account has it (or getent is missing). */
export function accountOfUid(uid: number): string | null {
  const found = spawnSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: GETENT_TIMEOUT_MS });
  if (found.status !== 0 || !found.stdout) return null;
  return found.stdout.split(':')[0] || null;
}

/** "alice (uid 1001)", or "uid 1001" for an id no account has. */
export function describeUid(uid: number): string {
  const name = accountOfUid(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

export interface SubordinateRange {
  /** The account (name or uid) the range is delegated to in /etc/subuid or /etc/subgid. */
  owner: string;
  from: number;
  count: number;
}

/**
 * The subordinate id ranges of /etc/subuid (or /etc/subgid): their owner can become
 * any id in them through newuidmap (rootless containers), so no slice may run there.
 */
export function subordinateRanges(file = '/etc/subuid'): SubordinateRange[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const ranges: SubordinateRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, from, count] = line.trim().split(':');
    if (!owner || !/^\d+$/.test(from ?? '') || !/^\d+$/.test(count ?? '')) continue;
    ranges.push({ owner, from: Number(from), count: Number(count) });
  }
  return ranges;
}
