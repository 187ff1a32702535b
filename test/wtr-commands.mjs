import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `eye-screenshot` writes (dist/ is build output, not committed). */
const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'screenshots');

/** @typedef {import('@web/test-runner-core').BasicTestSession} BasicTestSession */
/** Sent by the browser as JSON: converted with String()/Number() before use. @typedef {{ name?: string | number, awayMs?: number | string } | undefined} Payload */

/**
 * The Playwright page of the test that sent `command`.
 * @param {BasicTestSession} session
 * @param {string} command
 */
function playwrightPage(session, command) {
  if (session.browser.type !== 'playwright') throw new Error(`${command} needs the Playwright launcher`);
  return /** @type {import('@web/test-runner-playwright').PlaywrightLauncher} */ (session.browser).getPage(session.id);
}

/**
 * `eye-screenshot` { name } -> { path, bytes }: a PNG of the test page's viewport as the browser
 * rendered it, for a human to look at (and for tests to check it was produced).
 * @param {BasicTestSession} session
 * @param {Payload} payload
 */
async function screenshot(session, payload) {
  const page = playwrightPage(session, 'eye-screenshot');
  const name = String(payload?.name ?? 'shot').replace(/[^A-Za-z0-9._-]/g, '_');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const png = await page.screenshot({ path, fullPage: true });
  return { path, bytes: png.length };
}

/**
 * Web Test Runner server commands for Eye's browser tests (registered in web-test-runner.config.mjs).
 * They drive the real browser through Playwright, for what page scripts cannot do themselves.
 *
 * `eye-screenshot` { name } -> { path, bytes }: see `screenshot` above.
 *
 * `eye-switch-tab` { awayMs?: number } -> { awayMs }
 *   Opens another page in the test page's browser context, brings it to the front, waits `awayMs`
 *   (default 300), brings the test page back and closes the other page.
 *
 *   What headless Chromium really does (verified, Chromium 156, Playwright 1.65):
 *   - Playwright turns on CDP focus *emulation* for every page, so each page believes it has focus
 *     forever: with it on, a switch changes nothing in the page. The command turns that emulation
 *     off for the test page (`Emulation.setFocusEmulationEnabled false`) so the browser's real
 *     focus tracking applies: the test window then gets a real `blur` when the other page comes to
 *     the front, `document.hasFocus()` becomes false, and `focus` comes back on return.
 *   - `document.visibilityState` stays 'visible' in headless mode (background tabs and even
 *     minimized windows are not hidden there), so visibility is exercised by the detector's unit
 *     test, not here.
 *   Emulation is switched back on afterwards so later tests see Playwright's usual behaviour.
 */
export function eyeCommandsPlugin() {
  /** @type {import('@web/test-runner-core').TestRunnerPlugin<Payload>} */
  const plugin = {
    name: 'eye-commands',
    async executeCommand({ command, payload, session }) {
      if (command === 'eye-screenshot') return screenshot(session, payload);
      if (command !== 'eye-switch-tab') return undefined;
      const page = playwrightPage(session, command);
      const awayMs = Math.min(Math.max(Number(payload?.awayMs ?? 300), 0), 10000);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
      const other = await page.context().newPage();
      try {
        await other.bringToFront();
        await page.waitForFunction(() => !document.hasFocus(), undefined, { timeout: 5000 });
        await other.waitForTimeout(awayMs);
      } finally {
        await page.bringToFront();
        await other.close();
        await page.waitForFunction(() => document.hasFocus(), undefined, { timeout: 5000 });
        await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
        await cdp.detach();
      }
      return { awayMs };
    },
  };
  return plugin;
}
