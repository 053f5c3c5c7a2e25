/**
 * The desktop app's SecretProtector: Electron `safeStorage` (Keychain on macOS,
 * DPAPI on Windows, libsecret/kwallet on Linux). Takes the safeStorage object as
 * a parameter so this file needs no electron import and runs under plain Node.
 */
import type { SecretProtector } from './core';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

/**
 * undefined where no OS store keeps the key: on Linux `basic_text` means Chromium's
 * hard-coded password, which protects nothing, so the 0600 file is the honest answer.
 */
export function safeStorageProtector(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretProtector | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : platform === 'darwin' ? 'keychain' : 'dpapi';
  if (backend === 'basic_text' || backend === 'unknown') return undefined;
  return {
    name: `electron safeStorage (${backend})`,
    seal: (plain) => safeStorage.encryptString(plain.toString('base64')),
    open: (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
  };
}
