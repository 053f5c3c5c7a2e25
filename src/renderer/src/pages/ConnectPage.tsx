/**
 * The connect flow (PRODUCT §1). Every phase is the host's SliceView rendered as
 * it is; the only clocks here are displays (elapsed time, the code's countdown).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { QRCodeSVG } from 'qrcode.react';
import { STAGE_INFO } from '@shared/stages';
import type { QrInfo, SliceView } from '@shared/types';
import { HistoryPanel } from '../components/HistoryPanel';
import { SliceLogPanel } from '../components/SliceLogPanel';
import { SliceNote } from '../components/SliceNote';
import { ProgressBar } from '../components/ProgressBar';
import { formatElapsed } from '../format';
import { hrefOf, navigate } from '../router';
import { useActions, useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';
import { useBuildImage } from '../use-build-image';
import { useNow } from '../use-now';
import { SliceText } from '../components/SliceText';

export function ConnectPage({ accountId }: { accountId: string }) {
  const account = useApp((s) => s.accounts.find((a) => a.id === accountId));
  const loaded = useApp((s) => s.accountsLoaded);
  const view = useApp((s) => s.slices[accountId]);
  const simulation = useApp((s) => s.system?.simulation ?? false);
  const { refreshSlice } = useActions();
  const api = useApi();
  const [busy, setBusy] = useState<null | 'connect' | 'scan' | 'cancel'>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  // The host's truth on arrival (and after a reload); events keep it current afterwards.
  useEffect(() => {
    void refreshSlice(accountId);
  }, [accountId, refreshSlice]);

  const phase = view?.phase;
  useEffect(() => {
    if (phase === 'ready') navigate({ page: 'chat', accountId });
  }, [phase, accountId]);

  const run = async (kind: 'connect' | 'scan' | 'cancel') => {
    setBusy(kind);
    setActionError(null);
    try {
      if (kind === 'connect') await api.invoke('slices.connect', { accountId });
      if (kind === 'scan') await api.invoke('sim.scan', { accountId });
      if (kind === 'cancel') await api.invoke('slices.destroy', { accountId });
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setBusy(null);
    }
  };

  if (loaded && !account) {
    return (
      <section className="page">
        <div className="card empty" role="alert">
          <h1>This account no longer exists</h1>
          <p>It may have been removed. Go back to the accounts and pick another one.</p>
          <a className="button primary" href={hrefOf({ page: 'accounts' })}>
            Back to accounts
          </a>
        </div>
      </section>
    );
  }

  return (
    <section className="page connect-page" aria-labelledby="connect-title">
      <header className="page-header">
        <a className="back" href={hrefOf({ page: 'accounts' })}>
          ← Accounts
        </a>
        <h1 id="connect-title">Connect <SliceText>{account?.name ?? 'account'}</SliceText></h1>
      </header>
      <div className="card connect-card" data-testid="connect-card" data-phase={view?.phase ?? 'loading'} data-stage={view?.stage ?? ''}>
        <SliceNote view={view} />
        {!view ? (
          <p className="muted" role="status">
            Asking slicedeck for this account’s state…
          </p>
        ) : (
          <PhaseBody view={view} simulation={simulation} busy={busy} onAction={(kind) => void run(kind)} />
        )}
        {/* The host usually records the same failure as the slice's error: say it once. */}
        {actionError && !(view?.phase === 'error' && view.error === actionError) && (
          <>
            <p className="field-error" role="alert" data-testid="connect-error">
              <SliceText>{actionError}</SliceText>
            </p>
            {view?.phase !== 'error' && (
              <div className="actions">
                <BuildImageIfMissing error={actionError} />
              </div>
            )}
          </>
        )}
      </div>
      <HistoryPanel key={accountId} accountId={accountId} accountName={account?.name} />
      <SliceLogPanel key={`log-${accountId}`} accountId={accountId} accountName={account?.name} />
    </section>
  );
}

type Action = 'connect' | 'scan' | 'cancel';

function PhaseBody({ view, simulation, busy, onAction }: { view: SliceView; simulation: boolean; busy: Action | null; onAction(kind: Action): void }) {
  switch (view.phase) {
    case 'setup':
      return (
        <div className="phase phase-setup">
          <h2>Link this account’s WhatsApp</h2>
          <ol className="steps">
            <li>Click Connect WhatsApp; slicedeck starts a private slice for this account.</li>
            <li>On the phone, open WhatsApp → Settings → Linked devices → Link a device.</li>
            <li>Point the phone at the code that appears here. A fresh code replaces it every few seconds, a few times.</li>
          </ol>
          <button type="button" className="primary large" disabled={busy === 'connect'} onClick={() => onAction('connect')}>
            Connect WhatsApp
          </button>
        </div>
      );
    case 'provisioning':
      return (
        <>
          <Provisioning view={view} />
          <div className="actions">
            <button type="button" disabled={busy === 'cancel'} onClick={() => onAction('cancel')}>
              Cancel
            </button>
          </div>
        </>
      );
    case 'qr':
      return (
        <div className="phase phase-qr">
          {view.pairingUntil !== undefined ? (
            <Pairing until={view.pairingUntil} />
          ) : view.pairingCode ? (
            <PairingCodeShown code={view.pairingCode} />
          ) : view.qr ? (
            <QrCode qr={view.qr} />
          ) : (
            <p className="muted">Waiting for the first code…</p>
          )}
          {view.pairingUntil === undefined && !view.pairingCode && <p className="muted">{STAGE_INFO.qr.message}: WhatsApp → Settings → Linked devices → Link a device.</p>}
          {view.pairingUntil === undefined && <PhoneLink accountId={view.accountId} hasCode={!!view.pairingCode} />}
          <div className="actions">
            {simulation && (
              <button type="button" className="primary" disabled={busy === 'scan'} onClick={() => onAction('scan')}>
                Simulate scan
              </button>
            )}
            <button type="button" disabled={busy === 'cancel'} onClick={() => onAction('cancel')}>
              Cancel
            </button>
          </div>
        </div>
      );
    case 'linking':
      return (
        <div className="phase phase-linking">
          <p className="big-word" role="status" data-testid="linking-word">
            {view.restoring ? 'Restoring the saved session…' : 'Linked!'}
          </p>
          <p className="counter" aria-live="polite" data-testid="contacts-found">
            Found: {view.contacts ?? 0} contacts
          </p>
          {/* WhatsApp's own loading percent when it gives one; otherwise we do not know how far along it is. */}
          <ProgressBar value={view.loadingPercent} label={view.loadingPercent === undefined ? 'Loading contacts and chats' : `Loading chats: ${view.loadingPercent}%`} testId="linking-progress" />
          <p className="muted">WhatsApp is loading this account’s contacts and chats. The chats open by themselves when it is done.</p>
          {view.waitingFor ? (
            <p className="muted" data-testid="waiting-for">
              {view.waitingFor}…
            </p>
          ) : null}
          <a className="button" href={hrefOf({ page: 'chat', accountId: view.accountId })}>
            Write a message now
          </a>
        </div>
      );
    case 'ready':
      return (
        <div className="phase phase-ready">
          <p className="big-word">Ready</p>
          <a className="button primary" href={hrefOf({ page: 'chat', accountId: view.accountId })}>
            Open chats
          </a>
        </div>
      );
    case 'expired':
      return (
        <div className="phase phase-expired">
          <h2>{view.error ? 'The phone did not finish logging in' : 'The code expired before it was scanned'}</h2>
          <p data-testid="expired-words">{view.error ? <SliceText>{view.error}</SliceText> : 'None of the codes was scanned in time, so slicedeck closed this account’s slice. Have the phone ready and try again.'}</p>
          <button type="button" className="primary" disabled={busy === 'connect'} onClick={() => onAction('connect')}>
            Try again
          </button>
        </div>
      );
    case 'error':
      return (
        <div className="phase phase-error">
          <h2>Connecting failed</h2>
          <p data-testid="slice-error">{view.error ? <SliceText>{view.error}</SliceText> : 'The slice stopped with an error the host did not describe. Try again; if it keeps failing, check the log.'}</p>
          <div className="actions">
            <BuildImageIfMissing error={view.error} />
            <button type="button" className="primary" disabled={busy === 'connect'} onClick={() => onAction('connect')}>
              Try again
            </button>
          </div>
        </div>
      );
  }
}

/** The image is missing (the host says so, or the error does): offer the build here, not just a command to run. */
function BuildImageIfMissing({ error }: { error: string | undefined }) {
  const system = useApp((s) => s.system);
  const { building, refusal, build } = useBuildImage(system);
  const missing = system?.image === 'missing' || system?.image === 'building' || /slice image .* is not in Docker/.test(error ?? '');
  if (!missing || system?.image === 'present') return null;
  return (
    <>
      <button type="button" disabled={building} onClick={() => void build()} data-testid="connect-build-image">
        {building ? 'Building the slice image…' : 'Build image'}
      </button>
      {refusal && <span className="field-error">{refusal}</span>}
    </>
  );
}

/** Link with phone number: a field for the number, then WhatsApp's code, large, with its countdown. */
function PhoneLink({ accountId, hasCode }: { accountId: string; hasCode: boolean }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [phone, setPhone] = useState('');
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open && !hasCode) {
    return (
      <div className="actions">
        <button type="button" onClick={() => setOpen(true)}>
          Link with phone number
        </button>
      </div>
    );
  }
  const ask = async (event: FormEvent) => {
    event.preventDefault();
    setAsking(true);
    setError(null);
    try {
      await api.invoke('slices.pairingCode', { accountId, phoneNumber: phone });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setAsking(false);
    }
  };
  if (hasCode) return null;
  return (
    <form className="phone-form" onSubmit={(e) => void ask(e)} aria-label="Link with phone number">
      <label>
        Phone number
        <input
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          placeholder="+1 555 123 4567"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          aria-describedby={error ? 'phone-error' : 'phone-help'}
          aria-invalid={error ? true : undefined}
        />
      </label>
      <button type="submit" className="primary" disabled={asking || !phone.trim()}>
        {asking ? 'Asking WhatsApp…' : 'Get code'}
      </button>
      <p id="phone-help" className="muted">
        The number of the phone that has WhatsApp, country code first.
      </p>
      {error && (
        <p id="phone-error" className="field-error" role="alert" data-testid="phone-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The pairing code, `ABCD-EFGH`, as WhatsApp shows it, with the time it has left (a new one replaces it). */
function PairingCodeShown({ code }: { code: { code: string; expiresAt: number } }) {
  const now = useNow(500);
  const left = Math.max(0, code.expiresAt - now);
  const grouped = `${code.code.slice(0, 4)}-${code.code.slice(4)}`;
  return (
    <div className="qr" data-testid="pairing-code-panel">
      <p className="pairing-code" data-testid="pairing-code" aria-label={`Pairing code ${code.code.split('').join(' ')}`}>
        {grouped}
      </p>
      <p className="muted" data-testid="pairing-code-countdown">
        {left > 0 ? `A new code comes in ${Math.ceil(left / 1000)} s.` : 'Getting a new code…'}
      </p>
      <p className="muted">On the phone: WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, then type this code.</p>
    </div>
  );
}

function Provisioning({ view }: { view: SliceView }) {
  const now = useNow(500);
  const info = STAGE_INFO[view.stage];
  return (
    <div className="phase phase-provisioning">
      {view.restoring && view.stage === 'initializing' && view.loadingPercent !== undefined ? (
        <ProgressBar value={view.loadingPercent} label={`Restoring: ${view.loadingPercent}%`} testId="provision-progress" />
      ) : (
        <ProgressBar value={info.progress} label="Provisioning progress" testId="provision-progress" />
      )}
      <div className="row spread">
        <p className="stage-message" role="status" data-testid="stage-message">
          {view.restoring && view.stage === 'initializing' ? 'Restoring the saved session…' : info.message}
        </p>
        <span className="elapsed" aria-label="Elapsed time" data-testid="elapsed">
          {formatElapsed(view.startedAt ? now - view.startedAt : 0)}
        </span>
      </div>
      {view.waitingFor && view.stage === 'initializing' ? (
        <p className="muted" data-testid="waiting-for">
          {view.waitingFor}…
        </p>
      ) : null}
    </div>
  );
}

/** The codes are over but a phone scanned one: no countdown, just what is happening and how long it may take. */
function Pairing({ until }: { until: number }) {
  const now = useNow(1000);
  const left = Math.max(0, Math.ceil((until - now) / 1000));
  return (
    <div className="qr pairing" data-testid="qr-pairing">
      <p className="big-word" role="status">
        Code scanned — the phone is logging in…
      </p>
      <p className="muted">Keep WhatsApp open on the phone. slicedeck waits up to {left} s more for it to finish.</p>
    </div>
  );
}

function QrCode({ qr }: { qr: QrInfo }) {
  const now = useNow(200);
  const lifetime = Math.max(1, qr.expiresAt - qr.issuedAt);
  const left = Math.max(0, qr.expiresAt - now);
  return (
    <div className="qr">
      <div className="qr-frame" data-testid="qr-code" data-qr-index={qr.index}>
        <QRCodeSVG value={qr.payload} size={232} marginSize={2} title={`WhatsApp link code ${qr.index} of ${qr.total}`} />
      </div>
      <ProgressBar value={(left / lifetime) * 100} label="Time left for this code" tone={left / lifetime < 0.25 ? 'warn' : 'accent'} testId="qr-countdown" />
      <p className="qr-counter" data-testid="qr-counter">
        Code {qr.index} of {qr.total}
      </p>
    </div>
  );
}
