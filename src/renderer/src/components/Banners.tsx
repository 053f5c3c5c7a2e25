/** Whole-panel conditions the operator must act on: Docker, the slice image, the event stream. */
import { useEffect } from 'react';
import type { SystemStatus } from '@shared/types';
import { useApp, useActions } from '../state/context';
import { useBuildImage } from '../use-build-image';

/** How often the host is asked again while Docker or the image is not there. */
const RECHECK_MS = 5_000;

export function SystemBanner() {
  const system = useApp((s) => s.system);
  const stream = useApp((s) => s.stream);
  const { refreshSystem } = useActions();
  const troubled = system !== null && (system.docker !== 'ok' || system.image !== 'present');
  useEffect(() => {
    if (!troubled) return;
    const timer = setInterval(() => void refreshSystem(), RECHECK_MS);
    return () => clearInterval(timer);
  }, [troubled, refreshSystem]);
  const banners: { key: string; title: string; body: string }[] = [];
  if (system?.docker === 'unreachable') {
    banners.push({
      key: 'docker',
      title: 'Docker is not reachable',
      body: `${system.dockerError ?? 'slicedeck cannot talk to the Docker engine. Start Docker, or check that this user may use /var/run/docker.sock.'} This banner goes away by itself once Docker answers.`,
    });
  }
  if (system?.sliceUidWarning) {
    banners.push({ key: 'slice-uid', title: 'A host account can read the slices', body: system.sliceUidWarning });
  }
  if (stream === 'lost') {
    banners.push({
      key: 'stream',
      title: 'Lost the live connection to slicedeck',
      body: 'Reconnecting by itself… If this stays, check that slicedeck is still running.',
    });
  }
  const imageBanner = system?.docker === 'ok' && system.image !== 'present';
  if (banners.length === 0 && !imageBanner) return null;
  return (
    <div className="banners">
      {imageBanner && <ImageBanner system={system} />}
      {banners.map((b) => (
        <div key={b.key} className="banner" role="alert" data-testid={`banner-${b.key}`}>
          <strong>{b.title}</strong>
          <span>{b.body}</span>
        </div>
      ))}
    </div>
  );
}

/** The image is missing or being built: offers the build right here, and says how it went. */
function ImageBanner({ system }: { system: SystemStatus }) {
  // Another window (or a reload) may have started the build: the host's status decides.
  const { building, refusal, build } = useBuildImage(system);
  return (
    <div className="banner" role="alert" data-testid="banner-image" aria-busy={building}>
      <strong>{building ? 'Building the slice image' : 'The slice image is missing'}</strong>
      <span>
        {building
          ? `${system.imageName} is being built; Connect works once it is done. The first build can take a few minutes.`
          : `Docker has no image ${system.imageName}. Build it here, then connect again (or run "npm run slice:image" in a terminal).`}
      </span>
      {system.imageError && !building && <span className="field-error" data-testid="image-error">{system.imageError}</span>}
      {refusal && <span className="field-error" data-testid="image-refusal">{refusal}</span>}
      <div className="banner-actions">
        <button type="button" className="primary" disabled={building} onClick={() => void build()}>
          {building ? 'Building the slice image…' : 'Build image'}
        </button>
      </div>
    </div>
  );
}

export function Notices() {
  const notices = useApp((s) => s.notices);
  const { dismiss } = useActions();
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className="notice" role="alert" data-testid="notice">
          <span>{n.message}</span>
          <button type="button" className="ghost" aria-label="Dismiss this message" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
