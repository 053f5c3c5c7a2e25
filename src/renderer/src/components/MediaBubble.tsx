/**
 * A media message as what it is: a photo's thumbnail (the full photo opens in place on
 * click), a voice note's or a video's length (m:ss), a sticker, a document's name and
 * size, a location. Clicking fetches the file through `messages.media` (at most the
 * host's media limit, SLICEDECK_MEDIA_MAX_BYTES) and saves it; a refusal or a failure
 * is shown in the host's words beside the bubble.
 *
 * Only WhatsApp's own JPEG thumbnail (checked by the host: base64 starting `/9j/`) goes
 * into a `data:` URL, and only a downloaded raster image into a `blob:` one — the two
 * image sources the panel's Content-Security-Policy allows (src/main/csp.ts); any other
 * file is only ever saved, never opened in the window.
 */
import { SliceText } from './SliceText';
import { useEffect, useState } from 'react';
import type { ChatMessage, MediaFile, MessageMedia } from '@shared/types';
import { formatBytes, formatElapsed } from '../format';
import { useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';

/** Images the window shows itself once downloaded; anything else is saved. */
const SHOWN_IN_PLACE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

const LABEL: Record<MessageMedia['kind'], string> = {
  image: 'Photo',
  video: 'Video',
  audio: 'Audio',
  voice: 'Voice note',
  sticker: 'Sticker',
  document: 'Document',
  location: 'Location',
};
const ICON: Record<MessageMedia['kind'], string> = {
  image: '📷',
  video: '🎬',
  audio: '🎵',
  voice: '🎤',
  sticker: '🙂',
  document: '📄',
  location: '📍',
};

type Fetched = { url: string; fileName: string; shown: boolean };

export function MediaBubble({ accountId, message }: { accountId: string; message: ChatMessage & { media: MessageMedia } }) {
  const { media } = message;
  const api = useApi();
  const limit = useApp((s) => s.system?.mediaMaxBytes);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fetched, setFetched] = useState<Fetched | null>(null);

  // An object URL holds the whole file: let it go with the bubble.
  useEffect(() => () => {
    if (fetched) URL.revokeObjectURL(fetched.url);
  }, [fetched]);

  const download = async () => {
    if (busy) return;
    if (fetched) return save(fetched);
    setBusy(true);
    setError(null);
    try {
      const file = await api.invoke('messages.media', { accountId, chatId: message.chatId, messageId: message.id });
      const shown = (media.kind === 'image' || media.kind === 'sticker') && SHOWN_IN_PLACE.has(file.mimetype.split(';')[0]!.trim());
      const next = { url: URL.createObjectURL(blobOf(file)), fileName: file.fileName ?? fallbackName(media, file.mimetype, message.timestamp), shown };
      setFetched(next);
      // A photo or sticker opens in place; any other file is saved at once (the link stays for another copy).
      if (!shown) save(next);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const size = media.size !== undefined ? formatBytes(media.size) : null;
  const duration = media.durationSeconds !== undefined ? formatElapsed(media.durationSeconds * 1000) : null;
  const label = LABEL[media.kind];
  const action = media.kind === 'image' || media.kind === 'sticker' ? 'Open' : 'Download';

  return (
    <div className={`media media-${media.kind}`} data-testid="media-bubble" data-kind={media.kind}>
      {fetched?.shown ? (
        <img className="media-full" src={fetched.url} alt={message.body || label} data-testid="media-full-image" />
      ) : media.thumbnail ? (
        <button type="button" className="media-thumb" onClick={() => void download()} disabled={!media.downloadable || busy} aria-label={`${action} the ${label.toLowerCase()}${size ? ` (${size})` : ''}`}>
          <img src={`data:image/jpeg;base64,${media.thumbnail}`} alt={message.body || label} data-testid="media-thumbnail" />
          {duration && <span className="media-duration overlay" data-testid="media-duration">▶ {duration}</span>}
        </button>
      ) : null}

      {media.kind !== 'location' && !(fetched?.shown) && (
        <div className="media-line">
          <span className="media-icon" aria-hidden="true">
            {ICON[media.kind]}
          </span>
          <span className="media-words">
            <span className="media-name" data-testid={media.fileName ? 'media-file-name' : undefined}>
              {media.fileName ?? label}
            </span>
            <span className="media-facts muted">
              {duration && !media.thumbnail && <span data-testid="media-duration">{duration}</span>}
              {size && <span data-testid="media-size">{size}</span>}
              {media.kind === 'document' && media.mimetype && <span>{kindOfFile(media)}</span>}
              {limit !== undefined && media.size !== undefined && media.size > limit && <span data-testid="media-over-limit">over the {formatBytes(limit)} download limit</span>}
            </span>
          </span>
          {media.downloadable ? (
            <button type="button" className="small" onClick={() => void download()} disabled={busy} data-testid="media-download" aria-label={`${action} ${media.fileName ?? `the ${label.toLowerCase()}`}`}>
              {busy ? 'Downloading…' : action}
            </button>
          ) : (
            <span className="muted small-print">Not on WhatsApp’s servers any more</span>
          )}
        </div>
      )}

      {media.location && (
        <p className="media-line">
          <span aria-hidden="true">{ICON.location}</span>{' '}
          <a href={`https://www.openstreetmap.org/?mlat=${media.location.latitude}&mlon=${media.location.longitude}#map=16/${media.location.latitude}/${media.location.longitude}`} target="_blank" rel="noreferrer noopener">
            {media.location.description ?? `${media.location.latitude.toFixed(5)}, ${media.location.longitude.toFixed(5)}`}
          </a>
        </p>
      )}

      {fetched && (
        <a className="media-save small-print" href={fetched.url} download={fetched.fileName} data-testid="media-save">
          Save {fetched.fileName}
        </a>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="media-error">
          <SliceText>{error}</SliceText>
        </p>
      )}
    </div>
  );
}

/** Saves a fetched file the way a link with `download` does (a save, never a navigation). */
function save(file: Fetched): void {
  const link = document.createElement('a');
  link.href = file.url;
  link.download = file.fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

function blobOf(file: MediaFile): Blob {
  const binary = atob(file.data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: file.mimetype });
}

/** `PDF`, `DOCX`, …: the subtype people know a file by. */
function kindOfFile(media: MessageMedia): string {
  const fromName = media.fileName?.includes('.') ? media.fileName.split('.').pop() : undefined;
  const subtype = media.mimetype?.split(';')[0]?.split('/')[1];
  return (fromName ?? subtype ?? '').slice(0, 8).toUpperCase();
}

/** A name for a file WhatsApp gave none (photos, voice notes): what it is and when it came. */
function fallbackName(media: MessageMedia, mimetype: string, timestamp: number): string {
  const extension = (mimetype.split(';')[0]!.split('/')[1] ?? 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 8) || 'bin';
  const stamp = new Date(timestamp).toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return `${LABEL[media.kind].replace(' ', '-')}-${stamp}.${extension === 'jpeg' ? 'jpg' : extension}`;
}
