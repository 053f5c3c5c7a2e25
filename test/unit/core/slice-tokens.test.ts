/**
 * Slice tokens are derived, never stored: the slice key file, its modes, and its
 * sealing by an OS keychain (here a stand-in with the same interface as the desktop
 * app's Electron safeStorage adapter, since no keychain exists on a test machine).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLICE_KEY_FILE, SliceTokens, type SecretProtector } from '../../../src/main/core/secrets/slice-tokens';
import { safeStorageProtector } from '../../../src/main/secret-protector';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slicedeck-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A keychain stand-in: AES-256-GCM under a key that lives only in this object. */
function keychain(): SecretProtector {
  const key = randomBytes(32);
  return {
    name: 'test keychain',
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    },
  };
}

describe('SliceTokens', () => {
  it('derives the same 43-character token for a slice every time, a different one per slice and per key', () => {
    const tokens = SliceTokens.open(dir);
    const a = tokens.forSlice('slc_a');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(SliceTokens.open(dir).forSlice('slc_a')).toBe(a);
    expect(tokens.forSlice('slc_b')).not.toBe(a);
    const other = mkdtempSync(join(tmpdir(), 'slicedeck-key-'));
    try {
      expect(SliceTokens.open(other).forSlice('slc_a')).not.toBe(a);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps the key in a 0600 file; unsealed without a keychain', () => {
    const tokens = SliceTokens.open(dir);
    expect(tokens.protection).toBe('file');
    const path = join(dir, SLICE_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 1, protection: 'file' });
  });

  it('seals the key with the keychain when there is one, and seals an unsealed key on the next start', () => {
    const token = SliceTokens.open(dir).forSlice('slc_a');
    const chain = keychain();
    const sealed = SliceTokens.open(dir, chain);
    expect(sealed.protection).toBe('os');
    expect(sealed.forSlice('slc_a')).toBe(token);
    const file = JSON.parse(readFileSync(join(dir, SLICE_KEY_FILE), 'utf8')) as { protection: string; key: string };
    expect(file.protection).toBe('os');
    // What is on disk now opens nothing without the keychain.
    expect(() => SliceTokens.open(dir)).toThrow(/sealed by the desktop app's OS keychain.*npm start.*SLICEDECK_DATA_DIR/);
    expect(SliceTokens.open(dir, chain).forSlice('slc_a')).toBe(token);
    expect(() => SliceTokens.open(dir, keychain())).toThrow(/would not unseal the slice key/);
  });

  it('refuses a damaged key file with words', () => {
    writeFileSync(join(dir, SLICE_KEY_FILE), '{"version":1');
    expect(() => SliceTokens.open(dir)).toThrow(/is damaged\. Move it away/);
  });
});

describe('the desktop app’s safeStorage adapter', () => {
  const store = (backend: string, available = true) => ({
    isEncryptionAvailable: () => available,
    encryptString: (text: string) => Buffer.from(`sealed:${text}`),
    decryptString: (sealed: Buffer) => sealed.toString().replace(/^sealed:/, ''),
    getSelectedStorageBackend: () => backend,
  });

  it('uses the OS store where there is one and round-trips the key', () => {
    const protector = safeStorageProtector(store('gnome_libsecret'), 'linux')!;
    expect(protector.name).toBe('electron safeStorage (gnome_libsecret)');
    const key = randomBytes(32);
    expect(protector.open(protector.seal(key)).equals(key)).toBe(true);
    expect(safeStorageProtector(store('n/a'), 'darwin')?.name).toBe('electron safeStorage (keychain)');
  });

  it('declines where safeStorage would only pretend (Linux basic_text) or is unavailable', () => {
    expect(safeStorageProtector(store('basic_text'), 'linux')).toBeUndefined();
    expect(safeStorageProtector(store('kwallet', false), 'linux')).toBeUndefined();
  });
});
