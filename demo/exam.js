import { Event } from '/assets/widget/eye-proctor.bundle.js';
import { applySession, createDemoSession, describeEvent, forgetSession, storedSession } from '/demo/demo-session.js';

const widget = document.querySelector('eye-proctor');
const log = document.querySelector('#log');
const error = document.querySelector('#error');
const startForm = document.querySelector('#start-form');
const running = document.querySelector('#running');

function showError(err) {
  error.textContent = String(err?.message ?? err);
  error.hidden = false;
}

function addLog(type, detail) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = describeEvent(type, detail);
  li.append(time, text);
  if (detail?.mediaFile instanceof Blob) {
    const url = URL.createObjectURL(detail.mediaFile);
    const media = detail.mediaFile.type.startsWith('image/') ? document.createElement('img') : document.createElement('audio');
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
for (const type of Object.values(Event)) widget.addEventListener(type, (e) => addLog(type, e.detail));

/** The calibration the system-check page saved (demo/system-check.js), if any: it sets the sound threshold. */
function savedCalibration() {
  try {
    return JSON.parse(localStorage.getItem('eye-demo-calibration') ?? 'null');
  } catch {
    return null;
  }
}

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
  await widget.start();
  startForm.hidden = true;
  running.hidden = false;
  document.querySelector('#session-label').textContent = `session ${session.sessionId} (${session.candidateId})`;
}

document.querySelector('#start').addEventListener('click', async (e) => {
  e.target.disabled = true;
  try {
    const name = document.querySelector('#candidate').value.trim();
    await begin(await createDemoSession(name));
  } catch (err) {
    showError(err);
    e.target.disabled = false;
  }
});

document.querySelector('#end').addEventListener('click', async () => {
  await widget.end();
  forgetSession();
  running.hidden = true;
  startForm.hidden = false;
  document.querySelector('#start').disabled = false;
});

widget.addEventListener(Event.END_PROCTORING, () => forgetSession());

// A reload mid-exam resumes the same session; flags the old page could not send go out now.
const resumed = storedSession();
if (resumed) begin(resumed).catch(showError);
