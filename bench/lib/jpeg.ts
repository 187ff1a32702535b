/** A real ~40 KB camera-like JPEG: a face photo from npm scaled to 640x480 and encoded by Chromium. */
import { chromium } from 'playwright';
import { samplePhoto } from '../../backend-stub/src/reliability/media-fixtures.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';

export async function cameraJpeg(targetBytes = 40 * 1024): Promise<Buffer> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const src = `data:image/jpeg;base64,${samplePhoto(1).toString('base64')}`;
    const b64 = await page.evaluate(
      async ({ src, targetBytes }) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = 640;
        c.height = 480;
        const ctx = c.getContext('2d');
        if (!ctx) throw new Error('canvas 2d context unavailable');
        ctx.drawImage(img, 0, 0, 640, 480);
        // Binary search on quality for the size closest to the target.
        let lo = 0.05;
        let hi = 1;
        let best = '';
        for (let i = 0; i < 12; i++) {
          const q = (lo + hi) / 2;
          const url = c.toDataURL('image/jpeg', q);
          const bytes = Math.floor(((url.length - 'data:image/jpeg;base64,'.length) * 3) / 4);
          best = url;
          if (bytes > targetBytes) hi = q;
          else lo = q;
        }
        return best.slice('data:image/jpeg;base64,'.length);
      },
      { src, targetBytes },
    );
    return Buffer.from(b64, 'base64');
  } finally {
    await browser.close();
  }
}
