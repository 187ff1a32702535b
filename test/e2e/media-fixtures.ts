/** Test media made by the browser itself (no files from the network). */

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A real JPEG, drawn and encoded by the browser (content differs per `seed`). */
export async function makeJpeg(seed = 1, width = 160, height = 120): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  g.fillStyle = `hsl(${(seed * 47) % 360} 60% 50%)`;
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#fff';
  g.font = '32px sans-serif';
  g.fillText(String(seed), 20, 70);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  return new File([blob], `snapshot-${seed}.jpg`, { type: 'image/jpeg' });
}

/**
 * A real JPEG padded after its end marker to `bytes` (decoders ignore trailing bytes): a snapshot
 * too large for the relay's media limit (2 MiB for images by default).
 */
export async function makePaddedJpeg(bytes: number, seed = 1): Promise<File> {
  const jpeg = await makeJpeg(seed);
  const padding = new Uint8Array(Math.max(0, bytes - jpeg.size));
  return new File([jpeg, padding], `padded-${seed}.jpg`, { type: 'image/jpeg' });
}
