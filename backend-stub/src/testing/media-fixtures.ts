import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';

/** Real media bytes for relay tests: photos from an npm package, audio containers generated here. */

const require = createRequire(import.meta.url);

/** A real JPEG photo (MIT-licensed @vladmandic/face-api demo image, a group of people). */
export function sampleJpeg(n = 1): Buffer {
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  return readFileSync(join(dir, `sample${n}.jpg`));
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A valid w x h RGB PNG (solid colour). */
export function pngImage(w = 4, h = 4): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc((w * 3 + 1) * h, 0x80);
  for (let y = 0; y < h; y++) rows[y * (w * 3 + 1)] = 0; // filter: none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A valid 16-bit mono PCM WAV with a 440 Hz tone. */
export function wavAudio(ms = 200, rate = 16000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Start of a WebM file: the EBML header (DocType "webm") and an empty Segment. */
export function webmAudio(): Buffer {
  const el = (id: number[], payload: Buffer) => Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
  const uint = (v: number) => Buffer.from([v]);
  const header = Buffer.concat([
    el([0x42, 0x86], uint(1)), // EBMLVersion
    el([0x42, 0xf7], uint(1)), // EBMLReadVersion
    el([0x42, 0xf2], uint(4)), // EBMLMaxIDLength
    el([0x42, 0xf3], uint(8)), // EBMLMaxSizeLength
    el([0x42, 0x82], Buffer.from('webm')), // DocType
    el([0x42, 0x87], uint(4)), // DocTypeVersion
    el([0x42, 0x85], uint(2)), // DocTypeReadVersion
  ]);
  return Buffer.concat([el([0x1a, 0x45, 0xdf, 0xa3], header), Buffer.from([0x18, 0x53, 0x80, 0x67, 0x80])]);
}

function oggCrc(buf: Buffer): number {
  let crc = 0;
  for (const b of buf) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** One valid Ogg page (with CRC) carrying an OpusHead packet. */
export function oggAudio(): Buffer {
  const packet = Buffer.alloc(19);
  packet.write('OpusHead', 0, 'ascii');
  packet[8] = 1; // version
  packet[9] = 1; // channels
  packet.writeUInt16LE(312, 10); // pre-skip
  packet.writeUInt32LE(48000, 12);
  const head = Buffer.alloc(27 + 1);
  head.write('OggS', 0, 'ascii');
  head[5] = 0x02; // beginning of stream
  head.writeUInt32LE(0x45796521, 14); // serial
  head[26] = 1; // one segment
  head[27] = packet.length;
  const page = Buffer.concat([head, packet]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** A valid 1x1 lossless WebP. */
export function webpImage(): Buffer {
  // VP8L bitstream for a single opaque pixel.
  const vp8l = Buffer.from([0x2f, 0x00, 0x00, 0x00, 0x00, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00]);
  const chunk = Buffer.concat([Buffer.from('VP8L', 'ascii'), Buffer.alloc(4), vp8l]);
  chunk.writeUInt32LE(vp8l.length, 4);
  const riff = Buffer.concat([Buffer.from('RIFF', 'ascii'), Buffer.alloc(4), Buffer.from('WEBP', 'ascii'), chunk]);
  riff.writeUInt32LE(riff.length - 8, 4);
  return riff;
}
