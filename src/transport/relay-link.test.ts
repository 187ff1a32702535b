import { expect } from '@open-wc/testing';
import { BehaviorSubject, Subject } from 'rxjs';
import { Event, type EventPayloadMap, type EyeEmission, type FlagEvent } from '../events.js';
import { createFlagFactory } from '../flags.js';
import { RelayLink, type RelayLinkConfig, type RelayLinkTarget, type RelayStatus } from './relay-link.js';
import { createRelaySession, eventually, getSession, injectFault, relayUrl, setSessionStatus } from '../../test/e2e/relay-commands.js';

/**
 * The relay link on its own, without any element: an event stream and a config stream in, a
 * status stream and directives out, against the real relay started by the wtr relay plugin.
 */
describe('RelayLink (framework-free transport)', function () {
  this.timeout(60_000);
  let session: Awaited<ReturnType<typeof createRelaySession>>;
  let config: RelayLinkConfig;
  let events: Subject<EyeEmission>;
  let config$: BehaviorSubject<RelayLinkConfig | null>;
  let statuses: RelayStatus[];
  let calls: string[];
  let link: RelayLink;
  let dbName: string;

  const emit = <K extends Event>(type: K, payload: EventPayloadMap[K]) => { events.next({ type, payload } as EyeEmission); };
  /** A widget in miniature: obeying a directive emits the lifecycle event, as <eye-proctor> does. */
  const target: RelayLinkTarget = {
    pause: (reason) => {
      calls.push(`pause:${reason}`);
      emit(Event.PAUSED, { reason });
    },
    resume: () => {
      calls.push('resume');
      emit(Event.RESUMED, undefined);
    },
    end: () => {
      calls.push('end');
      emit(Event.END_PROCTORING, undefined);
    },
    emit: (type, payload) => {
      calls.push(`emit:${type}`);
      emit(type, payload);
    },
  };
  const flag = (type: FlagEvent) => createFlagFactory({ examId: session.examId, candidateId: session.candidateId, sessionId: session.sessionId })(type);

  beforeEach(async () => {
    session = await createRelaySession();
    config = { relayUrl: await relayUrl(), sessionToken: session.token, sessionId: null, examId: session.examId, candidateId: session.candidateId };
    events = new Subject();
    config$ = new BehaviorSubject<RelayLinkConfig | null>(null);
    statuses = [];
    calls = [];
    dbName = `eye-relay-link-${Math.random().toString(36).slice(2)}`;
    link = new RelayLink(events, config$, target, { dbName, directivePollMs: 300, backoff: { baseMs: 200, maxMs: 1000, factor: 2 } });
    link.status$.subscribe((s) => statuses.push(s));
    link.connect();
  });

  afterEach(async () => {
    link.disconnect();
    await link.whenQueued();
    indexedDB.deleteDatabase(dbName);
  });

  it('sends what came before the config, then every event in emission order; status$ tells enabled and pending', async () => {
    const calibration = { noiseFloorDb: -60, soundThresholdDb: -40, faceConfidence: 0.9, lightingOk: true, measuredAt: new Date().toISOString() };
    emit(Event.CALIBRATION_COMPLETED, calibration);
    emit(Event.TAB_NOT_FOCUS, flag(Event.TAB_NOT_FOCUS)); // before the config: stays in the page
    expect(link.status.enabled).to.equal(false);

    config$.next(config);
    expect(link.status.enabled).to.equal(true);
    emit(Event.STARTED, undefined);
    const flags = [flag(Event.TAB_NOT_FOCUS), flag(Event.EXIT_FULLSCREEN), flag(Event.DEVTOOLS_OPEN)];
    for (const f of flags) emit(f.type as FlagEvent, f as never);
    emit(Event.END_PROCTORING, undefined);
    await link.flush();

    const view = await getSession(session.sessionId);
    expect(view.status).to.equal('COMPLETED');
    const sent = [...view.flags].sort((a, b) => a.received_at.localeCompare(b.received_at));
    expect(sent.map((f) => f.type)).to.deep.equal(['CALIBRATION_COMPLETED', 'STARTED', 'TAB_NOT_FOCUS', 'EXIT_FULLSCREEN', 'DEVTOOLS_OPEN', 'END_PROCTORING']);
    expect(sent.slice(2, 5).map((f) => f.id)).to.deep.equal(flags.map((f) => f.id));
    expect(link.status.pending).to.equal(0);
    expect(statuses.some((s) => s.pending > 0)).to.equal(true);
    expect(statuses.map((s) => s.state)).to.include('sending');
  });

  it('polls for directives while idle and applies them to its target: pause, resume, end', async () => {
    config$.next(config);
    emit(Event.STARTED, undefined);
    await link.flush();

    await setSessionStatus(session.sessionId, 'PAUSED');
    await eventually(() => Promise.resolve(calls.some((c) => c.startsWith('pause:'))));
    expect(link.status.lastDirective).to.equal('pause');

    await setSessionStatus(session.sessionId, 'IN_PROGRESS');
    await eventually(() => Promise.resolve(calls.includes('resume')));
    expect(link.status.lastDirective).to.equal('resume');

    await setSessionStatus(session.sessionId, 'STOPPED');
    await eventually(() => Promise.resolve(calls.includes('end')));
    await link.flush();
    const types = (await getSession(session.sessionId)).flags.map((f) => f.type);
    expect(types).to.include.members(['STARTED', 'PAUSED', 'RESUMED', 'END_PROCTORING']);
    // Once ended, nothing more is obeyed or polled.
    const count = calls.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(calls.length).to.equal(count);
  });

  it('reports a message the relay refuses for good through the target (RELAY_REJECTED) and status$', async () => {
    config$.next(config);
    emit(Event.STARTED, undefined);
    await link.flush();
    await injectFault(`/v1/sessions/${session.sessionId}/flags`, { status: 413, times: 1 });
    const refused = flag(Event.TAB_NOT_FOCUS);
    emit(Event.TAB_NOT_FOCUS, refused);
    await link.flush();
    expect(calls).to.include(`emit:${Event.RELAY_REJECTED}`);
    expect(link.status.lastRejection).to.contain(refused.id);
    expect(link.status.pending).to.equal(0);
  });

  it('a disconnected link sends nothing new; reconnecting picks up the same config without a reset', async () => {
    config$.next(config);
    emit(Event.STARTED, undefined);
    link.disconnect();
    const unseen = flag(Event.TAB_NOT_FOCUS);
    emit(Event.TAB_NOT_FOCUS, unseen);
    link.connect();
    expect(link.status.enabled).to.equal(true);
    const seen = flag(Event.EXIT_FULLSCREEN);
    emit(Event.EXIT_FULLSCREEN, seen);
    await link.flush();
    const ids = (await getSession(session.sessionId)).flags.map((f) => f.id);
    expect(ids).to.include(seen.id);
    expect(ids).to.not.include(unseen.id);
  });
});
