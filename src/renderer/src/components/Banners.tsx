/** Whole-panel conditions the operator must act on: Docker, the slice image, the event stream. */
import { useEffect } from 'react';
import { useApp, useActions } from '../state/context';

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
  } else if (system?.image === 'missing') {
    banners.push({
      key: 'image',
      title: 'The slice image is missing',
      body: `Docker has no image ${system.imageName}. Build it with "npm run slice:image", then connect again.`,
    });
  } else if (system?.image === 'building') {
    banners.push({ key: 'image', title: 'Building the slice image', body: `${system.imageName} is being built; Connect works once it is done.` });
  }
  if (stream === 'lost') {
    banners.push({
      key: 'stream',
      title: 'Lost the live connection to slicedeck',
      body: 'Reconnecting by itself… If this stays, check that slicedeck is still running.',
    });
  }
  if (banners.length === 0) return null;
  return (
    <div className="banners">
      {banners.map((b) => (
        <div key={b.key} className="banner" role="alert" data-testid={`banner-${b.key}`}>
          <strong>{b.title}</strong>
          <span>{b.body}</span>
        </div>
      ))}
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
