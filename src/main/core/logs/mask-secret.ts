/**
 * A secret (a slice's bearer token) taken out of text that leaves the host: every whole
 * occurrence, and the piece of one that a cut left at either end of a line (a line cut to
 * its byte cap ends inside the token; the engine splits a very long line, so the next
 * piece starts inside it). Pieces shorter than MIN_PIECE are too short to matter.
 */
export const SECRET_MASK = '••••••';
const MIN_PIECE = 6;

export function maskSecret(text: string, secret: string | null): string {
  if (!secret || secret.length < MIN_PIECE) return text;
  let masked = text.split(secret).join(SECRET_MASK);
  for (let length = Math.min(secret.length - 1, masked.length); length >= MIN_PIECE; length--) {
    if (masked.endsWith(secret.slice(0, length))) {
      masked = masked.slice(0, masked.length - length) + SECRET_MASK;
      break;
    }
  }
  for (let length = Math.min(secret.length - 1, masked.length); length >= MIN_PIECE; length--) {
    if (masked.startsWith(secret.slice(secret.length - length))) {
      masked = SECRET_MASK + masked.slice(length);
      break;
    }
  }
  return masked;
}
