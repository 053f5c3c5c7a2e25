/**
 * Media messages as what they are: whatsapp-web.js 1.34.7's `Message` (its `type`,
 * `hasMedia`, `duration`, `location` and the serialised `_data`: `mimetype`, `size`,
 * `filename`, `caption`, and in `body` a base64 JPEG thumbnail for images, videos and
 * locations) mapped to `MessageMedia`, and its file fetched with `downloadMedia()`
 * within the media limit. src/slice/README.md ("Media") says what the library gives.
 *
 * Nothing a slice's page hands over is trusted more than the host trusts the slice:
 * every field is checked here (a bad one is left out, never passed on), and the host
 * checks them again against the protocol's schema.
 */
import { formatBytes } from '@shared/file-size';
import { JPEG_BASE64_PATTERN, MEDIA_THUMBNAIL_MAX_CHARS, MIMETYPE_PATTERN } from '@shared/slice-protocol';
import type { MediaFile, MediaKind, MessageMedia } from '@shared/types';
import type { WaMessage } from './wa-client';

/** whatsapp-web.js `MessageTypes` (Constants.js 85–124) that are media, and what the panel calls them. */
const KIND_OF_TYPE: Readonly<Record<string, MediaKind>> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  ptt: 'voice',
  sticker: 'sticker',
  document: 'document',
  location: 'location',
};
/** Kinds whose `_data.body` is WhatsApp's JPEG thumbnail (a document's is its first page, when it has one). */
const THUMBNAIL_KINDS = new Set<MediaKind>(['image', 'video', 'location', 'document']);
const MAX_DURATION_SECONDS = 7 * 24 * 3600;
/** C0 controls and DEL, taken out of a file name or caption WhatsApp gave (text-safety's CONTROL is another set, for the panel's text). */
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const FILE_TEXT_CONTROL = /[\u0000-\u001f\u007f]/g;

/** The kind of a media message, or undefined for text (and every other type). */
export function mediaKindOf(message: WaMessage): MediaKind | undefined {
  const type = message.type ?? message._data?.type;
  const kind = type ? KIND_OF_TYPE[type] : undefined;
  // A type this version does not name but with a file to fetch: offer it as a document.
  return kind ?? (message.hasMedia ? 'document' : undefined);
}

/**
 * What the chat shows as the message's text. For media that is the caption: the library
 * puts `_data.body` in `body` when `hasMedia` is false (Message.js 51–56), and for a
 * location or an image whose file expired that is the base64 thumbnail, not words.
 */
export function textOf(message: WaMessage): string {
  const kind = mediaKindOf(message);
  if (!kind) return message.body ?? '';
  if (kind === 'location') return '';
  const caption = message._data?.caption;
  if (typeof caption === 'string') return caption;
  return message.hasMedia ? (message.body ?? '') : '';
}

/** The media of a message, every field checked; undefined for a text message. */
export function mediaOf(message: WaMessage, canDownload = typeof message.downloadMedia === 'function'): MessageMedia | undefined {
  const kind = mediaKindOf(message);
  if (!kind) return undefined;
  const data = message._data ?? {};
  const media: MessageMedia = { kind, downloadable: kind !== 'location' && Boolean(message.hasMedia) && canDownload };
  const mimetype = cleanMimetype(data.mimetype);
  if (mimetype) media.mimetype = mimetype;
  const size = data.size;
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) media.size = size;
  const duration = cleanDuration(data.duration ?? message.duration);
  if (duration !== undefined && (kind === 'voice' || kind === 'audio' || kind === 'video')) media.durationSeconds = duration;
  const fileName = cleanFileName(data.filename);
  if (fileName) media.fileName = fileName;
  if (THUMBNAIL_KINDS.has(kind) && typeof data.body === 'string' && data.body.length <= MEDIA_THUMBNAIL_MAX_CHARS && JPEG_BASE64_PATTERN.test(data.body)) {
    media.thumbnail = data.body;
  }
  if (kind === 'location') {
    const location = locationOf(message);
    if (location) media.location = location;
  }
  return media;
}

function cleanMimetype(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 255 || !MIMETYPE_PATTERN.test(raw)) return undefined;
  return raw.toLowerCase();
}

/** Whole seconds; WhatsApp gives a number or a numeric string. */
function cleanDuration(raw: unknown): number | undefined {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(MAX_DURATION_SECONDS, Math.round(value));
}

/** The last path segment, without control characters, at most 255 characters; undefined when nothing is left. */
export function cleanFileName(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const name = (raw.split(/[/\\]/).pop() ?? '').replace(FILE_TEXT_CONTROL, '').trim().slice(0, 255);
  return name && name !== '.' && name !== '..' ? name : undefined;
}

function locationOf(message: WaMessage): MessageMedia['location'] | undefined {
  const latitude = Number(message.location?.latitude ?? message._data?.lat);
  const longitude = Number(message.location?.longitude ?? message._data?.lng);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const named = [message.location?.name, message.location?.address].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  const words = named.length > 0 ? named.join(', ') : message._data?.loc;
  const description = typeof words === 'string' ? words.replace(FILE_TEXT_CONTROL, ' ').trim().slice(0, 1_024) : '';
  return description ? { latitude, longitude, description } : { latitude, longitude };
}

// ── downloading ─────────────────────────────────────────────────────────────

/** A download the slice refuses, with its HTTP status and words for the operator. */
export class MediaRefusal extends Error {
  constructor(
    readonly status: 404 | 413 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'MediaRefusal';
  }
}

function tooLarge(bytes: number, maxBytes: number): MediaRefusal {
  return new MediaRefusal(
    413,
    `This file is ${formatBytes(bytes)}, more than the ${formatBytes(maxBytes)} slicedeck downloads (SLICEDECK_MEDIA_MAX_BYTES). Open it on the phone, or raise the limit and connect the account again.`,
  );
}

/**
 * The message's file, if it has one and it is within `maxBytes`: refused before the
 * download when WhatsApp states a larger size, and after it when the bytes are larger.
 * `downloadMedia()` is bounded by `timeoutMs`.
 */
export async function downloadMediaFile(message: WaMessage, maxBytes: number, timeoutMs: number): Promise<MediaFile> {
  const media = mediaOf(message);
  if (!media?.downloadable || !message.downloadMedia) {
    throw new MediaRefusal(404, 'This message has no file to download (it is text or a location, or WhatsApp no longer has its file). Open it on the phone.');
  }
  if (media.size !== undefined && media.size > maxBytes) throw tooLarge(media.size, maxBytes);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MediaRefusal(504, `WhatsApp did not hand over the file within ${Math.round(timeoutMs / 1000)} s. Try again; if it keeps failing, open it on the phone.`)), timeoutMs);
  });
  const file = await Promise.race([message.downloadMedia(), deadline]).finally(() => clearTimeout(timer));
  if (!file || typeof file.data !== 'string') {
    throw new MediaRefusal(404, 'WhatsApp could not give this file: it may have expired on the phone and on WhatsApp’s servers. Ask the sender to send it again.');
  }
  const data = file.data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new Error('downloadMedia() answered data that is not base64');
  const size = Buffer.byteLength(data, 'base64');
  if (size > maxBytes) throw tooLarge(size, maxBytes);
  const fileName = cleanFileName(file.filename) ?? media.fileName;
  return {
    mimetype: cleanMimetype(file.mimetype) ?? media.mimetype ?? 'application/octet-stream',
    ...(fileName ? { fileName } : {}),
    size,
    data,
  };
}
