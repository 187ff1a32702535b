import { Event } from '/assets/widget/eye-proctor.bundle.js';
import { applySession, createDemoSession, describeEvent, forgetSession, storedSession } from '/demo/demo-session.js';

const widget = document.querySelector('eye-proctor');

// ?lang=ar (or es, fr, de): the widget speaks the page's language (<html lang>), right to left for Arabic.
const lang = new URLSearchParams(location.search).get('lang');
if (lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang)) document.documentElement.lang = lang;
const log = document.querySelector('#log');
const error = document.querySelector('#error');
const startForm = document.querySelector('#start-form');
const running = document.querySelector('#running');

/** @param {unknown} err */
function showError(err) {
  error.textContent = err instanceof Error ? err.message : String(err);
  error.hidden = false;
}

/**
 * @param {string} type
 * @param {Parameters<typeof describeEvent>[1]} detail
 */
function addLog(type, detail) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = describeEvent(type, detail);
  li.append(time, text);
  /** @type {unknown} */
  const mediaFile = detail && 'mediaFile' in detail ? detail.mediaFile : undefined;
  if (mediaFile instanceof Blob) {
    const url = URL.createObjectURL(mediaFile);
    const media = mediaFile.type.startsWith('image/') ? document.createElement('img') : document.createElement('audio');
    media.src = url;
    if (media instanceof HTMLImageElement) {
      media.className = 'thumb';
      media.alt = `${type} snapshot`;
    } else media.controls = true;
    li.append(media);
  }
  log.prepend(li);
}

// Every event, registered before init(): the host sees all of them.
for (const type of Object.values(Event)) {
  widget.addEventListener(type, (e) => {
    addLog(type, e.detail);
  });
}

/**
 * The calibration the system-check page saved (demo/system-check.js), if any: it sets the sound threshold.
 * init() validates it.
 * @returns {import('/assets/widget/eye-proctor.bundle.js').EyeConfigInput['calibration'] | null}
 */
function savedCalibration() {
  try {
    /** @type {unknown} */
    const saved = JSON.parse(localStorage.getItem('eye-demo-calibration') ?? 'null');
    return /** @type {import('/assets/widget/eye-proctor.bundle.js').EyeConfigInput['calibration'] | null} */ (saved);
  } catch {
    return null;
  }
}

/** @param {Parameters<typeof applySession>[1]} session */
async function begin(session) {
  applySession(widget, session);
  const calibration = savedCalibration();
  try {
    await widget.init(calibration ? { calibration } : {});
  } catch (err) {
    if (!calibration) throw err;
    // A calibration saved by an older version no longer validates: run with the defaults.
    localStorage.removeItem('eye-demo-calibration');
    await widget.init({});
  }
  // The widget shows its consent step first; nothing is captured before the candidate agrees.
  try {
    await widget.start();
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'ConsentDeclinedError') throw err;
    forgetSession();
    startButton.disabled = false;
    return; // The widget itself tells the candidate nothing was started.
  }
  error.hidden = true;
  startForm.hidden = true;
  running.hidden = false;
  document.querySelector('#session-label').textContent = `session ${session.sessionId} (${session.candidateId})`;
}

/**
 * @template {typeof HTMLElement} T
 * @param {string} selector
 * @param {T} type
 * @returns {InstanceType<T>}
 */
function element(selector, type) {
  const el = document.querySelector(selector);
  if (!(el instanceof type)) throw new Error(`demo page: ${selector} is missing`);
  return /** @type {InstanceType<T>} */ (el);
}

const startButton = element('#start', HTMLButtonElement);

startButton.addEventListener('click', () => {
  startButton.disabled = true;
  const name = element('#candidate', HTMLInputElement).value.trim();
  createDemoSession(name)
    .then(begin)
    .catch((/** @type {unknown} */ err) => {
      showError(err);
      startButton.disabled = false;
    });
});

element('#end', HTMLButtonElement).addEventListener('click', () => {
  widget
    .end()
    .then(() => {
      forgetSession();
      running.hidden = true;
      startForm.hidden = false;
      startButton.disabled = false;
    })
    .catch(showError);
});

widget.addEventListener(Event.END_PROCTORING, () => {
  forgetSession();
});

// A reload mid-exam resumes the same session; flags the old page could not send go out now.
const resumed = storedSession();
if (resumed) begin(resumed).catch(showError);
