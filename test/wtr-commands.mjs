/**
 * Web Test Runner server commands for Eye's browser tests (registered in web-test-runner.config.mjs).
 * They drive the real browser through Playwright, for what page scripts cannot do themselves.
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
  return {
    name: 'eye-commands',
    async executeCommand({ command, payload, session }) {
      if (command !== 'eye-switch-tab') return undefined;
      if (session.browser.type !== 'playwright') throw new Error(`${command} needs the Playwright launcher`);
      const page = session.browser.getPage(session.id);
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
}
