/**
 * Similarity of two face descriptors, 0..1. The network is trained so that descriptors of one
 * person lie within Euclidean distance ~0.6 of each other; similarity maps distance d to
 * 1 - d / 1.2 (clamped), so d = 0.6 (dlib's classic threshold) is similarity 0.5.
 */
export function faceDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? NaN) - (b[i] ?? NaN);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export function faceSimilarity(a: Float32Array, b: Float32Array): number {
  return Math.min(1, Math.max(0, 1 - faceDistance(a, b) / 1.2));
}

/** Element-wise mean of descriptors: the enrollment template. */
export function meanEmbedding(embeddings: Float32Array[]): Float32Array {
  const first = embeddings[0];
  if (!first) throw new Error('meanEmbedding: no embeddings');
  const out = new Float32Array(first.length);
  for (const e of embeddings) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? NaN) + (e[i] ?? NaN) / embeddings.length;
  return out;
}
