/**
 * An account's proxy in the Accounts list (issue 21): a line saying where its slice goes
 * (never the password — the host does not send it), and a form to set, change or remove it.
 * The contract's words show when an input is refused; nothing typed is lost.
 */
import { useState, type FormEvent } from 'react';
import type { Account } from '@shared/types';
import { PROXY_SCHEMES, proxyAddress, type ProxyScheme } from '@shared/proxy';
import { useApi } from '../state/context';

/** "Proxy: http://host:port (login agency, password set)" or nothing when direct. */
export function ProxySummary({ account }: { account: Account }) {
  const proxy = account.proxy;
  if (!proxy) return null;
  const login = proxy.username ? ` · login ${proxy.username}${proxy.hasPassword ? ', password set' : ''}` : '';
  return (
    <p className="muted proxy-summary" data-testid={`account-proxy-${account.id}`}>
      Proxy: {proxyAddress(proxy)}
      {login}
    </p>
  );
}

export function ProxyForm({ account, onDone }: { account: Account; onDone(): void }) {
  const api = useApi();
  const current = account.proxy;
  const [scheme, setScheme] = useState<ProxyScheme>(current?.scheme ?? 'http');
  const [host, setHost] = useState(current?.host ?? '');
  const [port, setPort] = useState(current ? String(current.port) : '');
  const [username, setUsername] = useState(current?.username ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const run = async (what: () => Promise<unknown>) => {
    setSaving(true);
    setError(null);
    try {
      await what();
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The proxy could not be saved.');
      setSaving(false);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    // A port that is not digits goes as typed: the contract answers with its words.
    const portValue = /^\d+$/.test(port.trim()) ? Number(port.trim()) : port;
    void run(() =>
      api.invoke('accounts.setProxy', {
        accountId: account.id,
        proxy: {
          scheme,
          host,
          port: portValue as number,
          ...(username !== '' ? { username } : {}),
          ...(password !== '' ? { password } : {}),
        },
      }),
    );
  };
  const id = (field: string) => `proxy-${field}-${account.id}`;
  return (
    <form className="proxy-form" onSubmit={save} aria-label={`Proxy of ${account.name}`}>
      <p className="muted">Its slice’s WhatsApp Web goes through this proxy from the next Connect. The password is kept by slicedeck and never shown; enter it again when you change the proxy.</p>
      <div className="row">
        <label htmlFor={id('scheme')}>Scheme</label>
        <select id={id('scheme')} value={scheme} onChange={(e) => setScheme(e.target.value as ProxyScheme)}>
          {PROXY_SCHEMES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor={id('host')}>Host</label>
        <input id={id('host')} value={host} onChange={(e) => setHost(e.target.value)} placeholder="proxy.example.com" autoComplete="off" />
        <label htmlFor={id('port')}>Port</label>
        <input id={id('port')} value={port} onChange={(e) => setPort(e.target.value)} placeholder="3128" inputMode="numeric" autoComplete="off" size={6} />
      </div>
      <div className="row">
        <label htmlFor={id('username')}>Username</label>
        <input id={id('username')} value={username} onChange={(e) => setUsername(e.target.value)} placeholder="optional" autoComplete="off" />
        <label htmlFor={id('password')}>Password</label>
        <input id={id('password')} type="password" value={password} onChange={(e) => setPassword(e.target.value)} placeholder="optional" autoComplete="new-password" />
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={saving}>
          Save proxy
        </button>
        {current && (
          <button type="button" className="danger ghost" disabled={saving} onClick={() => void run(() => api.invoke('accounts.clearProxy', { accountId: account.id }))}>
            Remove proxy
          </button>
        )}
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
