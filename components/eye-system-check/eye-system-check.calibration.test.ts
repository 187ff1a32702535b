import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { relayUrl } from '../../test/e2e/relay-commands.js';
import '../eye-proctor/define.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';
import { effectiveSoundThresholdDb, validateConfig } from '../../src/config.js';
import { Event as EyeEvent, type Calibration } from '../../src/events.js';
import { fakeCamera, fakeMicrophone, combine } from '../../test/fixtures/fake-media.js';
import './define.js';
import type { EyeSystemCheck } from './eye-system-check.js';

/**
 * A room as the microphone hears it: white noise at `gain` (0 = a silent room) through WebAudio,
 * plus Chromium's fake camera for the picture.
 */
async function room(gain: number): Promise<{ stream: MediaStream; close(): Promise<void> }> {
  const ctx = new AudioContext();
  await ctx.resume();
  const buffer = ctx.createBuffer(1, ctx.sampleRate * 2, ctx.sampleRate);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  const noise = ctx.createBufferSource();
  noise.buffer = buffer;
  noise.loop = true;
  const level = ctx.createGain();
  level.gain.value = gain;
  // A hum on top of the noise, like a fan or a fridge.
  const hum = ctx.createOscillator();
  hum.frequency.value = 120;
  const humLevel = ctx.createGain();
  humLevel.gain.value = gain / 2;
  const destination = ctx.createMediaStreamDestination();
  noise.connect(level).connect(destination);
  hum.connect(humLevel).connect(destination);
  noise.start();
  hum.start();
  const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  const stream = new MediaStream([...destination.stream.getAudioTracks(), ...camera.getVideoTracks()]);
  return {
    stream,
    async close() {
      for (const t of [...stream.getTracks(), ...camera.getTracks()]) t.stop();
      await ctx.close();
    },
  };
}

async function calibrateIn(gain: number): Promise<{ event: Calibration; el: EyeSystemCheck }> {
  const r = await room(gain);
  try {
    const el = await fixture<EyeSystemCheck>(
      html`<eye-system-check consent="external" with-calibration calibration-ms="2000" .mediaStream=${r.stream}></eye-system-check>`,
    );
    const emitted = oneEvent(el, EyeEvent.CALIBRATION_COMPLETED);
    const returned = await el.calibrate();
    const event = (await emitted) as CustomEvent<Calibration>;
    expect(event.bubbles && event.composed).to.equal(true);
    expect(event.detail).to.deep.equal(returned);
    return { event: event.detail, el };
  } finally {
    await r.close();
  }
}

describe('<eye-system-check> calibration', function () {
  this.timeout(60_000);

  it('derives a higher sound threshold in a noisy room than in a quiet one', async () => {
    const quiet = await calibrateIn(0.0005);
    const noisy = await calibrateIn(0.25);
    for (const c of [quiet.event, noisy.event]) {
      expect(Object.keys(c).sort()).to.deep.equal(['faceConfidence', 'lightingOk', 'measuredAt', 'noiseFloorDb', 'soundThresholdDb']);
      expect(Date.parse(c.measuredAt)).to.be.closeTo(Date.now(), 30_000);
      // The widget's real face detector looked at Chromium's fake camera picture (a synthetic
      // pattern it scores around 0.6; faces are tested with real photos below).
      expect(c.faceConfidence).to.be.a('number').within(0, 1);
    }
    // Quiet room: about -70 dBFS of noise; the configured default (-30) stays.
    expect(quiet.event.noiseFloorDb).to.be.below(-55);
    expect(quiet.event.soundThresholdDb).to.equal(-30);
    // Noisy room: about -15 dBFS; the threshold rises.
    expect(noisy.event.noiseFloorDb).to.be.within(-25, -8);
    expect(noisy.event.soundThresholdDb).to.be.greaterThan(quiet.event.soundThresholdDb);
    // Raised by at most 15 dB over the configured -30: talking through calibration cannot mute monitoring.
    expect(noisy.event.soundThresholdDb).to.equal(-15);
    // Brightness of Chromium's fake camera picture was measured.
    expect(noisy.el.calibrationReport!.meanBrightness).to.be.within(1, 254);
    // The result is what init({ calibration }) takes, and it sets the session's threshold.
    const config = validateConfig({ examId: 'e', candidateId: 'c', calibration: noisy.event });
    expect(effectiveSoundThresholdDb(config)).to.equal(noisy.event.soundThresholdDb);
    // Shown to the candidate.
    await noisy.el.updateComplete;
    const results = noisy.el.shadowRoot!.querySelector('.results')!.textContent;
    // In words, without jargon: no dBFS in candidate text.
    expect(results).to.contain('Adjusted to your room');
    expect(results).not.to.contain('dBFS');
    await expect(noisy.el).to.be.accessible();
  });

  it('measures face confidence under the lighting with the real face detector: a face passes, an empty room warns', async () => {
    const results: Record<string, { c: Calibration; warning: string | null }> = {};
    for (const scene of ['single-face', 'empty'] as const) {
      const camera = await fakeCamera(scene);
      const mic = fakeMicrophone();
      try {
        const el = await fixture<EyeSystemCheck>(
          html`<eye-system-check consent="external" with-calibration calibration-ms="2500" assets-base-url="/assets/mediapipe"
            .mediaStream=${combine(camera.stream, mic.stream)}></eye-system-check>`,
        );
        const c = await el.calibrate();
        results[scene] = { c, warning: el.calibrationReport!.lightingWarning };
        await el.updateComplete;
        if (scene === 'empty') {
          expect(el.shadowRoot!.querySelector('.warning')!.textContent).to.contain('Your face was not found');
          await expect(el).to.be.accessible();
        }
      } finally {
        camera.stop();
        await mic.stop();
      }
    }
    expect(results['single-face']!.c.faceConfidence).to.be.at.least(0.7);
    expect(results['single-face']!.c.lightingOk).to.equal(true);
    expect(results['single-face']!.warning).to.equal(null);
    expect(results.empty!.c.faceConfidence).to.be.below(0.5);
    expect(results.empty!.c.lightingOk).to.equal(false);
    // A silent microphone: the noise floor is the digital floor and the default threshold stays.
    expect(results.empty!.c.noiseFloorDb).to.equal(-100);
    expect(results.empty!.c.soundThresholdDb).to.equal(-30);
  });

  it('inside <eye-proctor> the calibration travels with the session to the relay', async () => {
    const url = await relayUrl();
    const session = await executeServerCommand<{ sessionId: string; token: string }, { examId: string; candidateId: string }>(
      'eye-relay:session',
      { examId: 'exam-cal', candidateId: 'cand-cal' },
    );
    const r = await room(0.25);
    try {
      const proctor = await fixture<EyeProctor>(html`<eye-proctor consent="external"><eye-system-check consent="external" with-calibration calibration-ms="1500"></eye-system-check></eye-proctor>`);
      await proctor.init({
        examId: 'exam-cal',
        candidateId: 'cand-cal',
        relayUrl: url,
        sessionId: session.sessionId,
        sessionToken: session.token,
        tabFocus: false,
        fullscreen: false,
      });
      const check = proctor.querySelector('eye-system-check')!;
      check.mediaStream = r.stream;
      const seen: Calibration[] = [];
      proctor.on(EyeEvent.CALIBRATION_COMPLETED, (c) => seen.push(c));
      const calibration = await check.calibrate();
      expect(seen).to.deep.equal([calibration]);
      await proctor.flushRelay();
      const res = await executeServerCommand<{ status: number; body: { calibration: Calibration | null } }, { path: string }>('eye-relay:api', {
        path: `/v1/sessions/${session.sessionId}`,
      });
      expect(res.status).to.equal(200);
      expect(res.body.calibration).to.deep.equal(calibration);
      // The threshold the exam will use is the calibrated one once the host passes it to init().
      const config = await proctor.init({ examId: 'exam-cal', candidateId: 'cand-cal', calibration, tabFocus: false, fullscreen: false });
      expect(effectiveSoundThresholdDb(config)).to.equal(calibration.soundThresholdDb);
    } finally {
      await r.close();
    }
  });
});
