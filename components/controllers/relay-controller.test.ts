import { aTimeout, expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../eye-proctor/define.js';
import type { EyeProctor } from '../eye-proctor/eye-proctor.js';
import { Event, type EventPayloadMap, type FlagEvent, type RelayRejection } from '../../src/events.js';
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
  makePaddedJpeg,
  relayApi,
  relayUrl,
  setSessionStatus,
  sha256Hex,
} from '../../test/e2e/relay-commands.js';

/** <eye-proctor consent="external"> + RelayController against the real relay started by the wtr relay plugin. */
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
    el = await fixture<EyeProctor>(html`<eye-proctor consent="external"
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
    expect(types).to.deep.equal(['CONSENT_GIVEN', 'STARTED', 'TAB_NOT_FOCUS', 'FACE_ABSENCE', 'END_PROCTORING']);
    const stored = view.flags.find((f) => f.id === face.id)!;
    expect((await download(stored.media_url!)).sha256).to.equal(await sha256Hex(jpeg));
    expect(el.relayStatus.pending).to.equal(0);
  });

  it('obeys the relay: pause (shown to the candidate), resume, end', async () => {
    await startQuietly();
    await el.flushRelay();

    const paused = oneEvent<CustomEvent<EventPayloadMap[Event.PAUSED]>>(el, Event.PAUSED);
    await setSessionStatus(session.sessionId, 'PAUSED');
    expect((await paused).detail.reason).to.match(/proctor/i);
    expect(el.phase).to.equal('paused');
    await el.updateComplete;
    const status = el.shadowRoot!.querySelector('[role=status]')!;
    expect(status.textContent).to.match(/Monitoring paused/);
    expect(status.querySelector('[part=relay-status]')!.textContent).to.match(/Your proctor paused monitoring/);
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
    await eventually(() => Promise.resolve(el.relayStatus.state === 'backoff' || el.relayStatus.state === 'offline'));
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=relay-status]')!.textContent).to.match(/cannot be reached right now. Saved on this device: 1\./);
    await expect(el).to.be.accessible();
    await eventually(async () => (await getSession(session.sessionId)).flags.some((f) => f.id === tab.id));
    await eventually(() => Promise.resolve(el.relayStatus.state === 'idle'));
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[part=relay-status]')).to.equal(null);
  });

  it('gives up a flag the relay refuses for good (413 after two 503s) and tells the host with RELAY_REJECTED', async () => {
    await startQuietly();
    await el.flushRelay();
    await injectFault(`/v1/sessions/${session.sessionId}/flags`, { status: 503, times: 2 });
    const face = flag(Event.FACE_ABSENCE);
    const tab = flag(Event.TAB_NOT_FOCUS);
    const viaOn: unknown[] = [];
    el.on(Event.RELAY_REJECTED, (p) => viaOn.push(p));
    const domEvent = oneEvent<CustomEvent<RelayRejection>>(el, 'RELAY_REJECTED');
    el.emit(Event.FACE_ABSENCE, { ...face, mediaFile: await makePaddedJpeg(3 * 1024 * 1024, 5) });
    el.emit(Event.TAB_NOT_FOCUS, tab);
    const { detail } = await domEvent;
    expect(detail).to.deep.include({
      id: face.id,
      type: Event.FACE_ABSENCE,
      kind: 'flag',
      sessionId: session.sessionId,
      status: 413,
      code: 'payload_too_large',
      attempts: 2,
    });
    expect(detail.message).to.match(/413/);
    await el.flushRelay();
    expect(viaOn).to.have.length(1);
    expect(el.relayStatus.pending).to.equal(0);
    expect(el.relayStatus.lastRejection).to.contain(face.id);
    const ids = (await getSession(session.sessionId)).flags.map((f) => f.id);
    expect(ids).to.include(tab.id);
    expect(ids).to.not.include(face.id);
  });

  it('sends a calibration made before init() once the relay is configured (it travels with the session)', async () => {
    const calibration = { noiseFloorDb: -62, soundThresholdDb: -41, faceConfidence: 0.91, lightingOk: true, measuredAt: new Date().toISOString() };
    el.emit(Event.CALIBRATION_COMPLETED, calibration);
    await startQuietly();
    await el.flushRelay();
    const view = await relayApi<{ calibration: unknown }>('GET', `/v1/sessions/${session.sessionId}`);
    expect(view.body.calibration).to.deep.equal(calibration);
  });

  it('moving the started widget elsewhere in the DOM does not end the exam: flags keep coming and reach the relay', async () => {
    await el.init({ camera: true, microphone: false, tabFocus: false, fullscreen: false, snapshotIntervalMs: 400, assetsBaseUrl: `${location.origin}/assets/mediapipe` });
    await el.start();
    const types: string[] = [];
    const snapshots: string[] = [];
    el.on(Event.PERIODIC_SNAPSHOT, (f) => snapshots.push(f.id!));
    el.events$.subscribe((e) => types.push(e.type));
    const stream = el.activeMediaStream!;

    const elsewhere = document.createElement('section');
    document.body.append(elsewhere);
    el.remove();
    elsewhere.append(el); // same task: a move, as frameworks and drag-and-drop do
    await aTimeout(50);
    const before = snapshots.length;
    await eventually(() => Promise.resolve(snapshots.length >= before + 2));

    expect(el.isConnected).to.equal(true);
    expect(el.phase).to.equal('running');
    expect(types).to.not.include(Event.END_PROCTORING);
    for (const t of stream.getTracks()) expect(t.readyState).to.equal('live');
    // The last snapshot before the flush (snapshots keep coming while the relay is asked).
    const last = snapshots.at(-1)!;
    await el.flushRelay();
    const view = await getSession(session.sessionId);
    expect(view.status).to.not.equal('COMPLETED');
    const stored = view.flags.map((f) => f.id);
    expect(stored).to.include(last);
    expect(view.flags.map((f) => f.type)).to.not.include('END_PROCTORING');
    await el.end();
    elsewhere.remove();
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
