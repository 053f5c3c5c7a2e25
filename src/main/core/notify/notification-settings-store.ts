/**
 * The operator's notification setting (migration 11), in the data dir's SQLite like
 * every other intention of the operator's: both shells (Electron's main process and the
 * web panel) read the same row, and it survives a restart. Accounts removed since are
 * dropped as it is read.
 */
import type Database from 'better-sqlite3';
import { DEFAULT_NOTIFICATION_SETTINGS, NOTIFY_MODES, type NotificationSettings, type NotifyMode } from '@shared/notifications';

export class NotificationSettingsStore {
  constructor(
    private readonly db: Database.Database,
    private readonly accountExists: (accountId: string) => boolean,
  ) {}

  get(): NotificationSettings {
    const row = this.db.prepare('SELECT mode, account_ids AS accountIds FROM notification_settings WHERE id = 1').get() as { mode: string; accountIds: string } | undefined;
    if (!row) return { ...DEFAULT_NOTIFICATION_SETTINGS, accountIds: [] };
    const mode = (NOTIFY_MODES as readonly string[]).includes(row.mode) ? (row.mode as NotifyMode) : 'off';
    let ids: unknown;
    try {
      ids = JSON.parse(row.accountIds);
    } catch {
      ids = [];
    }
    const accountIds = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && this.accountExists(id)) : [];
    return { mode, accountIds };
  }

  set(settings: NotificationSettings): NotificationSettings {
    const accountIds = [...new Set(settings.accountIds)].filter((id) => this.accountExists(id));
    this.db
      .prepare('INSERT INTO notification_settings (id, mode, account_ids) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET mode = excluded.mode, account_ids = excluded.account_ids')
      .run(settings.mode, JSON.stringify(accountIds));
    return { mode: settings.mode, accountIds };
  }
}
