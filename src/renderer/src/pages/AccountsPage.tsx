/** Accounts: add, remove (after a confirmation), and each row's slice phase, live. */
import { useState, type FormEvent } from 'react';
import type { Account } from '@shared/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PhaseBadge } from '../components/PhaseBadge';
import { hrefOf } from '../router';
import { useActions, useApi, useApp } from '../state/context';
import { SliceText } from '../components/SliceText';
import { ProxyForm, ProxySummary } from '../components/ProxyPanel';
import { UnreadBadge } from '../components/UnreadBadge';
import { NotificationsPanel } from '../components/NotificationsPanel';

export function AccountsPage() {
  const accounts = useApp((s) => s.accounts);
  const loaded = useApp((s) => s.accountsLoaded);
  const slices = useApp((s) => s.slices);
  const api = useApi();
  const { notify } = useActions();
  const [name, setName] = useState('');
  const [adding, setAdding] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [removing, setRemoving] = useState<Account | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [proxyOf, setProxyOf] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setAdding(true);
    setFormError(null);
    try {
      await api.invoke('accounts.add', { name });
      setName('');
    } catch (error) {
      setFormError(error instanceof Error ? error.message : 'The account could not be added.');
    } finally {
      setAdding(false);
    }
  };

  const remove = async (account: Account) => {
    setRemoving(null);
    try {
      await api.invoke('accounts.remove', { accountId: account.id });
    } catch (error) {
      notify(error);
    }
  };

  const needle = query.trim().toLowerCase();
  const shown = needle ? accounts.filter((a) => a.name.toLowerCase().includes(needle)) : accounts;

  return (
    <section className="page" aria-labelledby="accounts-title">
      <header className="page-header">
        <h1 id="accounts-title">Accounts</h1>
        <p className="muted">Each account gets its own slice when you connect it, and loses it when you disconnect.</p>
      </header>

      <form className="card add-form" onSubmit={add} aria-label="Add an account">
        <label htmlFor="account-name">Account name</label>
        <div className="row">
          <input
            id="account-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Alice (sales)"
            maxLength={64}
            autoComplete="off"
            aria-invalid={formError ? true : undefined}
            aria-describedby={formError ? 'account-name-error' : undefined}
          />
          <button type="submit" className="primary" disabled={adding}>
            {adding ? 'Adding…' : 'Add account'}
          </button>
        </div>
        {formError && (
          <p id="account-name-error" className="field-error" role="alert">
            {formError}
          </p>
        )}
      </form>

      {!loaded ? (
        <p className="muted" role="status">
          Loading accounts…
        </p>
      ) : accounts.length === 0 ? (
        <div className="card empty" data-testid="accounts-empty">
          <h2>No accounts yet</h2>
          <p>Add the first account above — a name that tells you whose WhatsApp it is. Then click Connect and scan the code with that phone.</p>
        </div>
      ) : (
        <>
          {accounts.length > 5 && (
            <input
              type="search"
              className="search"
              aria-label="Search accounts"
              placeholder="Search accounts"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          )}
          <ul className="list card" aria-label="Accounts">
            {shown.map((account) => {
              const view = slices[account.id];
              const phase = view?.phase ?? 'setup';
              const linked = phase === 'ready' || phase === 'linking';
              return (
                <li key={account.id} className="list-row" data-testid={`account-row-${account.id}`} aria-label={account.name}>
                  <div className="grow">
                    {renaming === account.id ? (
                      <RenameForm account={account} onDone={() => setRenaming(null)} />
                    ) : (
                      <div className="row-title">
                        {/* The name opens the account: its chats when linked, else its connect page. */}
                        <a className="account-name-link" href={hrefOf({ page: linked ? 'chat' : 'connect', accountId: account.id })} data-testid={`account-open-${account.id}`}>
                          <SliceText>{account.name}</SliceText>
                        </a>
                        <UnreadBadge count={view?.unread} testId={`account-unread-${account.id}`} />
                      </div>
                    )}
                    <PhaseBadge view={view} testId={`account-phase-${account.id}`} />
                    <ProxySummary account={account} />
                    {proxyOf === account.id && <ProxyForm account={account} onDone={() => setProxyOf(null)} />}
                  </div>
                  <a
                    className="button primary"
                    href={hrefOf({ page: linked ? 'chat' : 'connect', accountId: account.id })}
                    aria-label={linked ? `Open chats of ${account.name}` : `Connect ${account.name}`}
                  >
                    {linked ? 'Open chats' : 'Connect'}
                  </a>
                  {renaming !== account.id && (
                    <button type="button" className="ghost" onClick={() => setRenaming(account.id)} aria-label={`Rename ${account.name}`}>
                      Rename
                    </button>
                  )}
                  <button type="button" className="ghost" onClick={() => setProxyOf(proxyOf === account.id ? null : account.id)} aria-label={`Proxy of ${account.name}`}>
                    Proxy
                  </button>
                  <button type="button" className="danger ghost" onClick={() => setRemoving(account)} aria-label={`Remove ${account.name}`}>
                    Remove
                  </button>
                </li>
              );
            })}
            {shown.length === 0 && <li className="list-row muted">No account matches “{query}”.</li>}
          </ul>
          <NotificationsPanel />
        </>
      )}

      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          body="Its slice is destroyed and its WhatsApp session is deleted; linking it again needs a new scan."
          confirmLabel={`Remove ${removing.name}`}
          onCancel={() => setRemoving(null)}
          onConfirm={() => void remove(removing)}
        />
      )}
    </section>
  );
}

/** Inline rename: Enter saves, Escape cancels; the contract's words show when a name is refused. */
function RenameForm({ account, onDone }: { account: Account; onDone(): void }) {
  const api = useApi();
  const [name, setName] = useState(account.name);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === account.name) return onDone();
    setSaving(true);
    try {
      await api.invoke('accounts.rename', { accountId: account.id, name });
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The account could not be renamed.');
      setSaving(false);
    }
  };
  return (
    <form className="rename-form" onSubmit={save} aria-label={`Rename ${account.name}`}>
      <input
        aria-label="New name"
        value={name}
        maxLength={64}
        autoFocus
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && onDone()}
      />
      <button type="submit" className="primary" disabled={saving}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
