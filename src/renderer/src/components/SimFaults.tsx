/**
 * Simulation mode only: play what a phone or the network can do to a linked account
 * (`sim.fault`), to watch the panel follow it — a demo control, like Simulate scan.
 */
import { useState } from 'react';
import type { SimFault } from '@shared/contract';
import { useActions, useApi } from '../state/context';

const FAULTS: { kind: SimFault; label: string; title: string }[] = [
  { kind: 'drop_link', label: 'Simulate dropped link', title: 'The link drops; WhatsApp reconnects by itself' },
  { kind: 'phone_logout', label: 'Simulate phone logout', title: 'The phone logs this device out; the account leaves Ready' },
];

export function SimFaults({ accountId }: { accountId: string }) {
  const api = useApi();
  const { notify } = useActions();
  const [busy, setBusy] = useState<SimFault | null>(null);
  const play = async (kind: SimFault) => {
    setBusy(kind);
    try {
      await api.invoke('sim.fault', { accountId, kind });
    } catch (error) {
      notify(error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="row sim-faults" role="group" aria-label="Simulation">
      {FAULTS.map((fault) => (
        <button key={fault.kind} type="button" title={fault.title} disabled={busy !== null} onClick={() => void play(fault.kind)}>
          {fault.label}
        </button>
      ))}
    </div>
  );
}
