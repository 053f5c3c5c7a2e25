/**
 * API & webhooks (issue 21): the operator makes and revokes API tokens for other programs
 * (each shown once), adds webhooks (their signing secret shown once) and reads each
 * webhook's delivery log. Every failure is shown in the host's words.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { API_SCOPES, OPENAPI_PATH, WEBHOOK_EVENTS, type ApiScope, type ApiTokenInfo, type WebhookAttempt, type WebhookEventType, type WebhookInfo } from '@shared/gateway';
import { useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';

/** The delivery log refreshes this often while the page is open. */
const LOG_REFRESH_MS = 2_000;

const EVENT_WORDS: Record<WebhookEventType, string> = {
  'message.incoming': 'Incoming messages',
  'message.status': 'Acks (sent, delivered, read, failed)',
  'account.state': 'Account state changes',
};

export function GatewayPage() {
  const api = useApi();
  const accounts = useApp((s) => s.accounts);
  const [tokens, setTokens] = useState<ApiTokenInfo[]>([]);
  const [hooks, setHooks] = useState<WebhookInfo[]>([]);
  const [logs, setLogs] = useState<Record<string, WebhookAttempt[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<{ label: string; value: string } | null>(null);

  const [tokenName, setTokenName] = useState('');
  const [scope, setScope] = useState<ApiScope>('read');
  const [tokenAccounts, setTokenAccounts] = useState<string[]>([]);
  const [hookUrl, setHookUrl] = useState('');
  const [hookAccount, setHookAccount] = useState('');
  const [hookEvents, setHookEvents] = useState<WebhookEventType[]>([...WEBHOOK_EVENTS]);

  const refresh = useCallback(async () => {
    try {
      const [t, h] = await Promise.all([api.invoke('apiTokens.list'), api.invoke('webhooks.list')]);
      setTokens(t);
      setHooks(h);
      const entries = await Promise.all(h.map(async (hook) => [hook.id, await api.invoke('webhooks.deliveries', { webhookId: hook.id })] as const));
      setLogs(Object.fromEntries(entries));
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), LOG_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
      await refresh();
    } catch (caught) {
      setError(messageOf(caught));
    }
  };

  const makeToken = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.invoke('apiTokens.create', { name: tokenName, scope, accountIds: tokenAccounts });
      setShown({ label: `API token “${created.info.name}”`, value: created.token });
      setTokenName('');
    });
  };

  const addHook = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.invoke('webhooks.add', { url: hookUrl, events: hookEvents, ...(hookAccount ? { accountId: hookAccount } : {}) });
      setShown({ label: `Signing secret of the webhook to ${created.info.url}`, value: created.secret });
      setHookUrl('');
    });
  };

  const accountName = (id: string | null) => (id === null ? 'All accounts' : (accounts.find((a) => a.id === id)?.name ?? id));
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  return (
    <section className="page" aria-labelledby="gateway-title">
      <header className="page-header">
        <h1 id="gateway-title">API &amp; webhooks</h1>
        <p>
          Other programs use the accounts through the web mode’s API (<code>POST /api/v1/&lt;command&gt;</code>, described at <code>{OPENAPI_PATH}</code>) with a token made here, and hear
          about messages through webhooks.
        </p>
      </header>
      {error && (
        <p className="card error" role="alert" data-testid="gateway-error">
          {error}
        </p>
      )}
      {shown && (
        <div className="card" role="status" data-testid="shown-once">
          <p>
            {shown.label} — copy it now: it is shown this once and cannot be read again.
          </p>
          <code data-testid="shown-once-value">{shown.value}</code>
          <button type="button" onClick={() => setShown(null)}>
            I have copied it
          </button>
        </div>
      )}

      <h2>API tokens</h2>
      <form className="card" onSubmit={makeToken} aria-label="Make an API token">
        <label>
          Name <input value={tokenName} onChange={(e) => setTokenName(e.target.value)} placeholder="Which program uses it" />
        </label>
        <label>
          Scope{' '}
          <select value={scope} onChange={(e) => setScope(e.target.value as ApiScope)}>
            {API_SCOPES.map((s) => (
              <option key={s} value={s}>
                {s === 'read' ? 'Read only' : 'Read and send'}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Accounts it may use</legend>
          {accounts.length === 0 && <p>Add an account first.</p>}
          {accounts.map((a) => (
            <label key={a.id}>
              <input type="checkbox" checked={tokenAccounts.includes(a.id)} onChange={() => setTokenAccounts(toggle(tokenAccounts, a.id))} /> {a.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Make token</button>
      </form>
      <ul className="card" aria-label="API tokens">
        {tokens.length === 0 && <li>No API tokens.</li>}
        {tokens.map((t) => (
          <li key={t.id} data-testid={`api-token-${t.name}`}>
            <strong>{t.name}</strong> — {t.scope === 'send' ? 'read and send' : 'read only'} — {t.accountIds.map(accountName).join(', ')} — last used{' '}
            {t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}{' '}
            <button type="button" aria-label={`Revoke token ${t.name}`} onClick={() => void run(() => api.invoke('apiTokens.revoke', { tokenId: t.id }))}>
              Revoke
            </button>
          </li>
        ))}
      </ul>

      <h2>Webhooks</h2>
      <form className="card" onSubmit={addHook} aria-label="Add a webhook">
        <label>
          Address <input value={hookUrl} onChange={(e) => setHookUrl(e.target.value)} placeholder="https://example.com/hooks/slicedeck" />
        </label>
        <label>
          For{' '}
          <select value={hookAccount} onChange={(e) => setHookAccount(e.target.value)} aria-label="Webhook account">
            <option value="">All accounts</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((ev) => (
            <label key={ev}>
              <input type="checkbox" checked={hookEvents.includes(ev)} onChange={() => setHookEvents(toggle(hookEvents, ev))} /> {EVENT_WORDS[ev]}
            </label>
          ))}
        </fieldset>
        <p>The address is yours to choose: slicedeck will send to it from this machine, so give only a receiver you trust (docs/SECURITY.md).</p>
        <button type="submit">Add webhook</button>
      </form>
      {hooks.length === 0 && <p className="card">No webhooks.</p>}
      {hooks.map((h) => (
        <article key={h.id} className="card" aria-label={`Webhook to ${h.url}`}>
          <p>
            <strong>{h.url}</strong> — {accountName(h.accountId)} — {h.events.map((ev) => EVENT_WORDS[ev]).join(', ')} — <span data-testid="webhook-backlog">{h.backlog}</span> waiting{' '}
            <button type="button" aria-label={`Remove webhook to ${h.url}`} onClick={() => void run(() => api.invoke('webhooks.remove', { webhookId: h.id }))}>
              Remove
            </button>
          </p>
          <table aria-label="Delivery log">
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>Attempt</th>
                <th>HTTP</th>
                <th>Outcome</th>
                <th>What happened</th>
              </tr>
            </thead>
            <tbody>
              {(logs[h.id] ?? []).length === 0 && (
                <tr>
                  <td colSpan={6}>Nothing sent yet.</td>
                </tr>
              )}
              {(logs[h.id] ?? []).map((a) => (
                <tr key={`${a.eventId}-${a.attempt}`} data-testid="delivery-row">
                  <td>{new Date(a.at).toLocaleTimeString()}</td>
                  <td>{a.type}</td>
                  <td>{a.attempt}</td>
                  <td>{a.httpStatus ?? '—'}</td>
                  <td>{a.outcome === 'delivered' ? 'delivered' : a.outcome === 'retrying' ? 'will retry' : 'gave up'}</td>
                  <td>{a.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  );
}
