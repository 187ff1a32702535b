/** JPEG snapshots of the camera as real `File`s, scaled down to bound upload size. */

export interface SnapshotOptions {
  /** Longest allowed width in px; the height keeps the aspect ratio. */
  maxWidth: number;
  /** JPEG quality 0..1. */
  quality: number;
  /** File name, e.g. `face_absence-<flag id>.jpg`. */
  name: string;
}

type Drawable = HTMLVideoElement | HTMLCanvasElement | ImageBitmap;

function sizeOf(source: Drawable): { width: number; height: number } {
  if (source instanceof HTMLVideoElement) return { width: source.videoWidth, height: source.videoHeight };
  return { width: source.width, height: source.height };
}

/** Draws `source` scaled to at most `maxWidth` and encodes it as image/jpeg. */
export async function captureJpeg(source: Drawable, options: SnapshotOptions): Promise<File> {
  const { width: sw, height: sh } = sizeOf(source);
  if (!sw || !sh) throw new Error('no camera frame to snapshot');
  const scale = Math.min(1, options.maxWidth / sw);
  const width = Math.max(1, Math.round(sw * scale));
  const height = Math.max(1, Math.round(sh * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas unavailable');
  ctx.drawImage(source, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => { canvas.toBlob(resolve, 'image/jpeg', options.quality); });
  if (!blob) throw new Error('JPEG encoding failed');
  return new File([blob], options.name, { type: 'image/jpeg', lastModified: Date.now() });
}

/** `face_absence-<id>.jpg` style names: event type in lower case plus the flag id. */
export function mediaFileName(type: string, id: string | undefined, extension: string): string {
  return `${type.toLowerCase()}-${id ?? Date.now().toString(36)}.${extension}`;
}
