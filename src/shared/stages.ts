/**
 * The lifecycle vocabulary shared by host, slice client and renderer.
 *
 * A *stage* is what the host is doing right now (persisted before it starts);
 * a *phase* is what the operator sees. The renderer never derives a phase from
 * timers: it maps the host's stage through `phaseOfStage`.
 */

/** Provisioning stages, in the order the host walks them. */
export const PROVISIONING_STAGES = [
  'pending',
  'allocating_port',
  'creating_container',
  'starting',
  'waiting_for_health',
  'initializing',
] as const;
export type ProvisioningStage = (typeof PROVISIONING_STAGES)[number];

export const STAGES = [
  'idle',
  ...PROVISIONING_STAGES,
  'qr',
  'linking',
  'ready',
  'error',
  'qr_timeout',
] as const;
export type Stage = (typeof STAGES)[number];

export const PHASES = ['setup', 'provisioning', 'qr', 'linking', 'ready', 'expired', 'error'] as const;
export type Phase = (typeof PHASES)[number];

export function isProvisioningStage(stage: Stage): stage is ProvisioningStage {
  return (PROVISIONING_STAGES as readonly string[]).includes(stage);
}

export function phaseOfStage(stage: Stage): Phase {
  if (isProvisioningStage(stage)) return 'provisioning';
  switch (stage) {
    case 'idle':
      return 'setup';
    case 'qr':
      return 'qr';
    case 'linking':
      return 'linking';
    case 'ready':
      return 'ready';
    case 'qr_timeout':
      return 'expired';
    case 'error':
      return 'error';
  }
}

/** Phases in which the account's slice container exists (and can be destroyed). */
export function phaseHasSlice(phase: Phase): boolean {
  return phase === 'provisioning' || phase === 'qr' || phase === 'linking' || phase === 'ready';
}

/** Stages after which the slice is gone (or never existed) and Connect starts afresh. */
export function isTerminalStage(stage: Stage): boolean {
  return stage === 'idle' || stage === 'error' || stage === 'qr_timeout';
}

/** What the Connect page says during each stage, and how far the progress bar is. */
export const STAGE_INFO: Record<Stage, { message: string; progress: number }> = {
  idle: { message: 'Not connected', progress: 0 },
  pending: { message: 'Preparing a slice for this account…', progress: 5 },
  allocating_port: { message: 'Reserving a local port…', progress: 15 },
  creating_container: { message: 'Creating the slice container…', progress: 30 },
  starting: { message: 'Starting the slice…', progress: 50 },
  waiting_for_health: { message: 'Waiting for the slice to answer…', progress: 70 },
  initializing: { message: 'Starting WhatsApp Web…', progress: 85 },
  qr: { message: 'Scan the code with WhatsApp on the phone', progress: 100 },
  linking: { message: 'Linked! Loading contacts…', progress: 100 },
  ready: { message: 'Ready', progress: 100 },
  error: { message: 'Something went wrong', progress: 0 },
  qr_timeout: { message: 'The code expired before it was scanned', progress: 0 },
};
