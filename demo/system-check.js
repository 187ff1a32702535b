/**
 * Standalone system-check page. Works against the relay that serves it, or against
 * `?relay=<url>` (the bundle and the speed test then come from that relay).
 */
const params = new URLSearchParams(location.search);
const relay = (params.get('relay') || location.origin).replace(/\/+$/, '');

/** Where the exam page picks the calibration up (demo/exam.js passes it to `init({ calibration })`). */
export const CALIBRATION_KEY = 'eye-demo-calibration';

const log = document.querySelector('#log');
const error = document.querySelector('#error');

/**
 * @param {string} type
 * @param {unknown} detail
 */
function addLog(type, detail) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const name = document.createElement('code');
  name.textContent = type;
  const body = document.createElement('span');
  body.className = 'mono';
  body.textContent = detail == null ? '' : JSON.stringify(detail);
  li.append(time, name, body);
  log.prepend(li);
}

try {
  /** @type {unknown} */
  const bundle = await import(`${relay}/assets/widget/eye-proctor.bundle.js`);
  const { Event } = /** @type {{ Event: Record<'SYSTEM_CHECK_STARTED' | 'SYSTEM_CHECK_COMPLETED' | 'CALIBRATION_COMPLETED', string> }} */ (bundle);
  const check = /** @type {HTMLElement & { relayUrl: string, assetsBaseUrl: string }} */ (document.querySelector('eye-system-check'));
  check.relayUrl = relay;
  check.assetsBaseUrl = `${relay}/assets/mediapipe`;

  for (const type of [Event.SYSTEM_CHECK_STARTED, Event.SYSTEM_CHECK_COMPLETED, Event.CALIBRATION_COMPLETED]) {
    check.addEventListener(type, (e) => {
      addLog(type, /** @type {CustomEvent} */ (e).detail);
    });
  }
  const next = () => /** @type {HTMLElement} */ (document.querySelector('#next'));
  check.addEventListener(Event.SYSTEM_CHECK_STARTED, () => (next().hidden = true));
  check.addEventListener(Event.SYSTEM_CHECK_COMPLETED, (e) => {
    next().hidden = !(/** @type {CustomEvent<{ success: boolean }>} */ (e).detail.success);
  });
  check.addEventListener(Event.CALIBRATION_COMPLETED, (e) => {
    try {
      localStorage.setItem(CALIBRATION_KEY, JSON.stringify(/** @type {CustomEvent} */ (e).detail));
    } catch {
      // storage disabled: the exam keeps the default threshold
    }
  });
  if (params.has('relay')) {
    const toExam = document.querySelector('#to-exam');
    toExam.href = `${relay}/demo/exam.html`;
  }
} catch (err) {
  error.textContent = `Could not load the widget from ${relay}/assets/widget/ (${err?.message ?? err}). Is the relay running and the bundle built (npm run build)?`;
  error.hidden = false;
}
