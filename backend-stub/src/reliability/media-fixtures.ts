/**
 * Real media for load and abuse tests, generated or taken from npm packages (never downloaded):
 * a PCM WAV of any size (a tone, valid RIFF/WAVE header) and the MIT-licensed face photos of
 * `@vladmandic/face-api`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A mono 16-bit PCM WAV of about `bytes` bytes: a 440 Hz tone at `sampleRate`. */
export function makeWav(bytes: number, sampleRate = 16_000): Buffer {
  const samples = Math.max(1, Math.floor((bytes - 44) / 2));
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRate) * 8000), 44 + i * 2);
  return buf;
}

/** A face photo (JPEG) from @vladmandic/face-api's demo folder (sample1..6). */
export function samplePhoto(n = 1): Buffer {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@vladmandic/face-api/package.json');
  return readFileSync(join(dirname(pkg), 'demo', `sample${n}.jpg`));
}

/** Builds a multipart/form-data body: text fields, then optional files. */
export function multipartBody(
  fields: Record<string, string>,
  files: { field: string; filename: string; contentType: string; data: Buffer }[] = [],
  boundary = `----eye${Math.random().toString(16).slice(2)}`,
): { body: Buffer; contentType: string } {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'));
  }
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: ${f.contentType}\r\n\r\n`, 'utf8'));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
