/**
 * Which accounts notify of incoming messages (off, chosen accounts, all), kept by the host
 * (notifications.set, SQLite). In the web mode the browser must allow notifications first:
 * a button asks (browsers only ask on a click); the desktop app shows them from its main process.
 */
import { useState } from 'react';
import { NOTIFY_MODES, type NotifyMode } from '@shared/notifications';
import { useActions, useApp, useMode } from '../state/context';
import { browserNotifications } from '../web-notifications';
import { SliceText } from './SliceText';

const MODE_WORDS: Record<NotifyMode, string> = { off: 'Off', accounts: 'For the accounts I choose', all: 'For every account' };

export function NotificationsPanel() {
  const settings = useApp((s) => s.notifications);
  const accounts = useApp((s) => s.accounts);
  const mode = useMode();
  const { setNotifications, notify } = useActions();
  const browser = mode === 'web' ? browserNotifications() : null;
  const [permission, setPermission] = useState(browser?.permission ?? 'granted');

  const save = (next: typeof settings) => setNotifications(next).catch(notify);
  const toggle = (accountId: string, on: boolean) =>
    save({ ...settings, accountIds: on ? [...settings.accountIds, accountId] : settings.accountIds.filter((id) => id !== accountId) });

  return (
    <details className="card notifications" aria-label="Notifications">
      <summary>Notifications of incoming messages: {MODE_WORDS[settings.mode].toLowerCase()}</summary>
      <fieldset>
        <legend>Show a desktop notification for each incoming message, unless that account’s chats are open</legend>
        {NOTIFY_MODES.map((value) => (
          <label key={value}>
            <input type="radio" name="notify-mode" value={value} checked={settings.mode === value} onChange={() => void save({ ...settings, mode: value })} />
            {MODE_WORDS[value]}
          </label>
        ))}
      </fieldset>
      {settings.mode === 'accounts' && (
        <ul className="notify-accounts">
          {accounts.map((account) => (
            <li key={account.id}>
              <label>
                <input type="checkbox" checked={settings.accountIds.includes(account.id)} onChange={(e) => void toggle(account.id, e.target.checked)} aria-label={`Notify for ${account.name}`} />
                <SliceText>{account.name}</SliceText>
              </label>
            </li>
          ))}
        </ul>
      )}
      {mode === 'web' &&
        settings.mode !== 'off' &&
        (!browser ? (
          <p className="muted">This browser cannot show notifications.</p>
        ) : permission === 'granted' ? (
          <p className="muted">This browser shows them.</p>
        ) : permission === 'denied' ? (
          <p className="field-error">This browser blocks notifications from the panel. Allow them in the site’s settings (the icon left of the address), then reload.</p>
        ) : (
          <button type="button" onClick={() => void browser.requestPermission().then(setPermission)}>
            Allow notifications in this browser
          </button>
        ))}
    </details>
  );
}
