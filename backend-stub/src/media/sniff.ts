/** Media types the relay accepts, decided from the file's first bytes (never from the client's claim). */
export interface SniffedType {
  contentType: string;
  kind: 'image' | 'audio';
}

/** Bytes needed by `sniffMediaType`. */
export const SNIFF_BYTES = 64;

function ascii(buf: Uint8Array, offset: number, text: string): boolean {
  if (buf.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function contains(buf: Uint8Array, text: string): boolean {
  for (let i = 0; i + text.length <= buf.length; i++) if (ascii(buf, i, text)) return true;
  return false;
}

/** JPEG, PNG, WebP images; WebM, Ogg, WAV audio. Anything else: null. */
export function sniffMediaType(head: Uint8Array): SniffedType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { contentType: 'image/jpeg', kind: 'image' };
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 'PNG\r\n\x1a\n')) return { contentType: 'image/png', kind: 'image' };
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return { contentType: 'image/webp', kind: 'image' };
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return { contentType: 'audio/wav', kind: 'audio' };
  if (ascii(head, 0, 'OggS')) return { contentType: 'audio/ogg', kind: 'audio' };
  // EBML header whose DocType is "webm" (Matroska files are not accepted).
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3 && contains(head.subarray(0, SNIFF_BYTES), 'webm')) {
    return { contentType: 'audio/webm', kind: 'audio' };
  }
  return null;
}
