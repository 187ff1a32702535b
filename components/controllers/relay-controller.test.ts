import { aTimeout, expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../eye-proctor/define.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';
import { Event, type FlagEvent } from '../../src/events.js';
import { createFlagFactory } from '../../src/flags.js';
import { RelayController } from './relay-controller.js';
import { RelayClient } from '../../src/transport/relay-client.js';
import {
  createRelaySession,
  download,
  eventually,
  getSession,
  injectFault,
  makeJpeg,
  relayApi,
  relayUrl,
  setSessionStatus,
  sha256Hex,
} from '../../test/e2e/relay-commands.js';

/** <eye-proctor> + RelayController against the real relay started by the wtr relay plugin. */
describe('<eye-proctor> with a relay (RelayController)', function () {
  this.timeout(60_000);
  let session: Awaited<ReturnType<typeof createRelaySession>>;
  let url: string;
  let el: EyeProctor;
  const saved = RelayController.defaults;

  beforeEach(async () => {
    url = await relayUrl();
    session = await createRelaySession();
    RelayController.defaults = {
      dbName: `eye-relay-ctrl-${Math.random().toString(36).slice(2)}`,
      directivePollMs: 300,
      backoff: { baseMs: 200, maxMs: 1000, factor: 2 },
    };
    el = await fixture<EyeProctor>(html`<eye-proctor
      exam-id=${session.examId}
      candidate-id=${session.candidateId}
      relay-url=${url}
      session-token=${session.token}
    ></eye-proctor>`);
  });

  afterEach(async () => {
    await el.end();
    el.remove();
    indexedDB.deleteDatabase(RelayController.defaults.dbName!);
    RelayController.defaults = saved;
  });

  const flag = (type: FlagEvent) =>
    createFlagFactory({ examId: session.examId, candidateId: session.candidateId, sessionId: session.sessionId })(type);
  const startQuietly = async () => {
    // No devices and no browser-signal detectors: the test decides which flags happen.
    await el.init({ camera: false, microphone: false, tabFocus: false, fullscreen: false });
    await el.start();
  };

  it('sends lifecycle events and every flag, media included, to the relay (session id read from the token)', async () => {
    await startQuietly();
    expect(el.relayStatus.enabled).to.equal(true);
    const tab = flag(Event.TAB_NOT_FOCUS);
    const face = flag(Event.FACE_ABSENCE);
    const jpeg = await makeJpeg(21);
    el.emit(Event.TAB_NOT_FOCUS, tab);
    el.emit(Event.FACE_ABSENCE, { ...face, mediaFile: jpeg });
    await el.end();
    await el.flushRelay();

    const view = await getSession(session.sessionId);
    expect(view.status).to.equal('COMPLETED');
    const types = [...view.flags].sort((a, b) => a.received_at.localeCompare(b.received_at)).map((f) => f.type);
    expect(types).to.deep.equal(['STARTED', 'TAB_NOT_FOCUS', 'FACE_ABSENCE', 'END_PROCTORING']);
    const stored = view.flags.find((f) => f.id === face.id)!;
    expect((await download(stored.media_url!)).sha256).to.equal(await sha256Hex(jpeg));
    expect(el.relayStatus.pending).to.equal(0);
  });

  it('obeys the relay: pause (shown to the candidate), resume, end', async () => {
    await startQuietly();
    await el.flushRelay();

    const paused = oneEvent(el, Event.PAUSED);
    await setSessionStatus(session.sessionId, 'PAUSED');
    expect((await paused).detail.reason).to.match(/proctor/i);
    expect(el.phase).to.equal('paused');
    await el.updateComplete;
    const status = el.shadowRoot!.querySelector('[role=status]')!;
    expect(status.textContent).to.match(/Monitoring paused/);
    expect(status.querySelector('[part=relay-status]')!.textContent).to.match(/Paused by the proctor/);
    await el.flushRelay();
    expect((await getSession(session.sessionId)).flags.map((f) => f.type)).to.include('PAUSED');

    const resumed = oneEvent(el, Event.RESUMED);
    await setSessionStatus(session.sessionId, 'IN_PROGRESS');
    await resumed;
    expect(el.phase).to.equal('running');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=relay-status]')).to.equal(null);

    const ended = oneEvent(el, Event.END_PROCTORING);
    await setSessionStatus(session.sessionId, 'STOPPED');
    await ended;
    expect(el.phase).to.equal('ended');
    const view = await getSession(session.sessionId);
    expect(view.status).to.equal('STOPPED');
  });

  it('tells the candidate when the relay is unreachable, and catches up when it is back', async () => {
    await startQuietly();
    await el.flushRelay();
    await injectFault(`/v1/sessions/${session.sessionId}/flags`, { abort: true, times: 3 });
    const tab = flag(Event.TAB_NOT_FOCUS);
    el.emit(Event.TAB_NOT_FOCUS, tab);
    await eventually(async () => el.relayStatus.state === 'backoff' || el.relayStatus.state === 'offline');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=relay-status]')!.textContent).to.match(/unreachable: 1 event saved/);
    await expect(el).to.be.accessible();
    await eventually(async () => (await getSession(session.sessionId)).flags.some((f) => f.id === tab.id));
    await eventually(async () => el.relayStatus.state === 'idle');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=relay-status]')).to.equal(null);
  });

  it('sends a calibration made before init() once the relay is configured (it travels with the session)', async () => {
    const calibration = { noiseFloorDb: -62, soundThresholdDb: -41, faceConfidence: 0.91, lightingOk: true, measuredAt: new Date().toISOString() };
    el.emit(Event.CALIBRATION_COMPLETED, calibration);
    await startQuietly();
    await el.flushRelay();
    const view = await relayApi<{ calibration: unknown }>('GET', `/v1/sessions/${session.sessionId}`);
    expect(view.body.calibration).to.deep.equal(calibration);
  });

  it('renews the session token through the relay', async () => {
    await aTimeout(1100); // token times have a resolution of one second
    const renewed = await new RelayClient().renewToken({ relayUrl: url, sessionId: session.sessionId, sessionToken: session.token });
    expect(renewed.token).to.be.a('string').and.not.equal(session.token);
    expect(Date.parse(renewed.expiresAt)).to.be.greaterThan(Date.parse(session.expiresAt));
    // The new token works for posting.
    const client = new RelayClient();
    const f = flag(Event.TAB_NOT_FOCUS);
    const res = await client.send(
      { relayUrl: url, sessionId: session.sessionId, sessionToken: renewed.token },
      { id: f.id!, kind: 'flag', type: f.type, body: { ...f }, media: null, mediaName: null },
    );
    expect(res.duplicate).to.equal(false);
  });
});
