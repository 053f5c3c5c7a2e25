/**
 * Dashboard: every slice with its phase, uptime, node (on a swarm), port, CPU and memory (Docker
 * stats), restarts, and Destroy. Stats flow as `stats` events while this page
 * keeps asking; nobody looking means the host does not sample at all.
 */
import { useEffect, useState } from 'react';
import type { Account, SliceStats, SliceView } from '@shared/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PhaseBadge } from '../components/PhaseBadge';
import { Sparkline } from '../components/Sparkline';
import { formatBytes, formatDuration } from '../format';
import { hrefOf } from '../router';
import { useActions, useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';
import { useNow } from '../use-now';
import { SliceText } from '../components/SliceText';

/** Below the host's interest window (30 s by default), so the samples never stop while the page is open. */
const ASK_AGAIN_MS = 10_000;

interface Row {
  account: Account;
  view: SliceView;
  stats: SliceStats | undefined;
}

export function DashboardPage() {
  const accounts = useApp((s) => s.accounts);
  const slices = useApp((s) => s.slices);
  const stats = useApp((s) => s.stats);
  const { loadStats, notify } = useActions();
  const api = useApi();
  const now = useNow(1_000);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [destroying, setDestroying] = useState<Account | null>(null);

  useEffect(() => {
    const ask = () =>
      loadStats().then(
        () => setStatsError(null),
        (error: unknown) => setStatsError(messageOf(error)),
      );
    void ask();
    const timer = setInterval(() => void ask(), ASK_AGAIN_MS);
    return () => clearInterval(timer);
  }, [loadStats]);

  const rows: Row[] = accounts
    .map((account) => ({ account, view: slices[account.id], stats: stats?.[account.id] }))
    .filter((row): row is Row => row.view !== undefined && (row.view.sliceId !== undefined || row.stats !== undefined))
    .filter((row) => row.view.phase !== 'setup' && row.view.phase !== 'expired');

  const running = rows.filter((r) => r.stats).length;
  // Slices on a swarm name their node; on one engine every slice is here and the column would say nothing.
  const showNode = rows.some((r) => r.view.node !== undefined);
  const memory = rows.reduce((sum, r) => sum + (r.stats?.memoryBytes ?? 0), 0);
  // Slices running where this host cannot look (a swarm node it cannot ask): their rows show no figures, and this says why.
  const unavailable = [...new Set(rows.map((r) => r.stats?.unavailable).filter((words): words is string => Boolean(words)))];

  const destroy = async (account: Account) => {
    setDestroying(null);
    try {
      await api.invoke('slices.destroy', { accountId: account.id });
    } catch (error) {
      notify(error);
    }
  };

  return (
    <section className="page" aria-labelledby="dashboard-title">
      <header className="page-header">
        <h1 id="dashboard-title">Dashboard</h1>
        <p className="muted">Every slice that exists right now, with what Docker says it uses.</p>
      </header>

      <div className="totals">
        <div className="card total" data-testid="total-slices">
          <span className="total-value">{running}</span>
          <span className="muted">{running === 1 ? 'slice running' : 'slices running'}</span>
        </div>
        <div className="card total" data-testid="total-memory">
          <span className="total-value">{formatBytes(memory)}</span>
          <span className="muted">memory in use</span>
        </div>
      </div>

      {statsError && (
        <p className="field-error" role="alert">
          Docker stats are not available: {statsError}
        </p>
      )}

      {unavailable.map((words) => (
        <p key={words} className="muted" role="status" data-testid="stats-unavailable">
          {words}
        </p>
      ))}

      {rows.length === 0 ? (
        <div className="card empty" data-testid="dashboard-empty">
          <h2>No slices running</h2>
          <p>Slices exist only while an account is connecting or connected. Connect an account on the Accounts page to start one.</p>
          <a className="button primary" href={hrefOf({ page: 'accounts' })}>
            Go to accounts
          </a>
        </div>
      ) : (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Phase</th>
                <th scope="col">Unread</th>
                <th scope="col">Uptime</th>
                {showNode && <th scope="col">Node</th>}
                <th scope="col">Port</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Trend</th>
                <th scope="col">Restarts</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ account, view, stats: s }) => (
                <tr key={account.id} data-testid={`slice-row-${account.id}`} aria-label={account.name}>
                  <th scope="row">
                    <a href={hrefOf({ page: view.phase === 'ready' ? 'chat' : 'connect', accountId: account.id })}><SliceText>{account.name}</SliceText></a>
                  </th>
                  <td>
                    <PhaseBadge view={view} compact />
                  </td>
                  <td className="num" data-testid={`dashboard-unread-${account.id}`}>
                    {view.unread ?? 0}
                  </td>
                  <td className="num">{s?.startedAt ? formatDuration(now - s.startedAt) : '—'}</td>
                  {showNode && <td data-testid="slice-node">{view.node ?? '—'}</td>}
                  <td className="num">{view.port ?? '—'}</td>
                  <td className="num" data-testid="slice-cpu">
                    {s?.cpuPercent != null ? `${s.cpuPercent.toFixed(1)}%` : '—'}
                  </td>
                  <td className="num" data-testid="slice-memory" title={s?.unavailable}>
                    {s?.unavailable ? <span className="muted">no figures</span> : s?.memoryBytes != null ? formatBytes(s.memoryBytes) : '—'}
                    {s?.memoryLimitBytes ? <span className="muted"> / {formatBytes(s.memoryLimitBytes)}</span> : null}
                  </td>
                  <td>
                    <Sparkline samples={s?.memoryHistory ?? []} label={`Memory of ${account.name} over time`} />
                  </td>
                  <td className="num">{s?.restarts ?? view.restarts ?? 0}</td>
                  <td>
                    <button type="button" className="danger ghost" aria-label={`Destroy the slice of ${account.name}`} onClick={() => setDestroying(account)}>
                      Destroy
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {destroying && (
        <ConfirmDialog
          title={`Destroy the slice of ${destroying.name}?`}
          body="Its container stops and is removed. The WhatsApp session is kept, so connecting again needs no new scan."
          confirmLabel="Destroy slice"
          onCancel={() => setDestroying(null)}
          onConfirm={() => void destroy(destroying)}
        />
      )}
    </section>
  );
}
