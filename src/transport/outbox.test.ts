import { expect } from '@open-wc/testing';
import { Event, type EyeEmission, type FlagData } from '../events.js';
import { createFlagFactory } from '../flags.js';
import { Outbox, type DeliveryResult } from './outbox.js';
import { toRelayMessage } from './messages.js';
import type { RelayCredentials } from './relay-client.js';
import {
  createRelaySession,
  eventually,
  getSession,
  injectFault,
  makeJpeg,
  makePaddedJpeg,
  relayUrl,
  sha256Hex,
  download,
  type RelaySession,
} from '../../test/e2e/relay-commands.js';

/** Real relay (started by the wtr relay plugin), real IndexedDB, real network in Chromium. */
describe('Outbox (IndexedDB) against a real relay', function () {
  this.timeout(60_000);

  let session: RelaySession & { examId: string; candidateId: string };
  let credentials: RelayCredentials;
  let outboxes: Outbox[] = [];
  let dbName: string;

  const open = async (extra: Partial<Parameters<typeof Outbox.open>[0]> = {}) => {
    const outbox = await Outbox.open({ dbName, backoff: { baseMs: 200, maxMs: 1000, factor: 2 }, ...extra });
    outboxes.push(outbox);
    return outbox;
  };
  /** An outbox with the session's credentials, recording every delivery result. */
  const openRecording = async () => {
    const outbox = await open();
    outbox.setCredentials(credentials);
    const results: DeliveryResult[] = [];
    outbox.results$.subscribe((r) => results.push(r));
    return { outbox, results };
  };
  const identity = () => ({ examId: session.examId, candidateId: session.candidateId, sessionId: session.sessionId });
  const flagOf = (type: Parameters<ReturnType<typeof createFlagFactory>>[0]) => createFlagFactory(identity())(type);
  const message = (emission: EyeEmission) => toRelayMessage(emission, identity())!;
  const flagMessage = (flag: FlagData, mediaFile?: File) =>
    message({ type: flag.type, payload: mediaFile ? { ...flag, mediaFile } : flag } as EyeEmission);

  beforeEach(async () => {
    await relayUrl();
    session = await createRelaySession();
    credentials = { relayUrl: await relayUrl(), sessionId: session.sessionId, sessionToken: session.token };
    dbName = `eye-outbox-test-${Math.random().toString(36).slice(2)}`;
  });

  afterEach(() => {
    for (const o of outboxes) o.close();
    outboxes = [];
    indexedDB.deleteDatabase(dbName);
  });

  it('delivers lifecycle events, JSON flags and media flags in order, with the exact media bytes', async () => {
    const outbox = await open();
    outbox.setCredentials(credentials);
    const tab = flagOf(Event.TAB_NOT_FOCUS);
    const face = flagOf(Event.FACE_ABSENCE);
    const jpeg = await makeJpeg(7);
    const delivered: DeliveryResult[] = [];
    outbox.results$.subscribe((r) => delivered.push(r));

    await outbox.enqueue(message({ type: Event.STARTED, payload: undefined }));
    await outbox.enqueue(flagMessage(tab));
    await outbox.enqueue(flagMessage(face, jpeg));
    await outbox.flush();

    expect(await outbox.pending()).to.have.length(0);
    expect(delivered.map((d) => d.outcome)).to.deep.equal(['delivered', 'delivered', 'delivered']);
    const view = await getSession(session.sessionId);
    expect(view.status).to.equal('IN_PROGRESS');
    const byReceipt = [...view.flags].sort((a, b) => a.received_at.localeCompare(b.received_at));
    expect(byReceipt.map((f) => f.type)).to.deep.equal(['STARTED', 'TAB_NOT_FOCUS', 'FACE_ABSENCE']);
    const stored = view.flags.find((f) => f.id === face.id)!;
    expect(stored.media!.sha256).to.equal(await sha256Hex(jpeg));
    const bytes = await download(stored.media_url!);
    expect(bytes.status).to.equal(200);
    expect(bytes.sha256).to.equal(await sha256Hex(jpeg));
  });

  it('makes repeats harmless: the same flag id sent twice is stored once', async () => {
    const { outbox, results } = await openRecording();
    const flag = flagOf(Event.TAB_NOT_FOCUS);
    await outbox.enqueue(flagMessage(flag));
    await outbox.flush();
    await outbox.enqueue(flagMessage(flag)); // e.g. a keepalive copy, or a resend after a lost response
    await outbox.flush();
    expect(results.map((r) => r.outcome === 'delivered' && r.response.duplicate)).to.deep.equal([false, true]);
    const view = await getSession(session.sessionId);
    expect(view.flags.filter((f) => f.id === flag.id)).to.have.length(1);
  });

  it('retries 5xx and dropped connections with backoff, honouring Retry-After, and keeps the order', async () => {
    const outbox = await open();
    outbox.setCredentials(credentials);
    await injectFault(`/v1/sessions/${session.sessionId}/flags`, { status: 503, headers: { 'retry-after': '1' }, times: 1 });
    await injectFault(`/v1/sessions/${session.sessionId}/flags`, { abort: true, times: 1 });
    const flags = [flagOf(Event.TAB_NOT_FOCUS), flagOf(Event.DEVTOOLS_OPEN)];
    const started = performance.now();
    await outbox.enqueue(flagMessage(flags[0]!));
    await outbox.enqueue(flagMessage(flags[1]!));
    await eventually(async () => (await outbox.pending()).length === 0);
    expect(performance.now() - started).to.be.greaterThan(1000); // waited for Retry-After: 1
    const view = await getSession(session.sessionId);
    const order = [...view.flags].sort((a, b) => a.received_at.localeCompare(b.received_at)).map((f) => f.id);
    expect(order).to.deep.equal(flags.map((f) => f.id));
  });

  it('drops what the relay refuses for good (4xx) and reports it, without blocking the rest', async () => {
    const { outbox, results } = await openRecording();
    const foreign = { ...flagOf(Event.TAB_NOT_FOCUS), examId: 'another-exam' }; // outside the token's scope: 403
    const good = flagOf(Event.EXIT_FULLSCREEN);
    await outbox.enqueue(flagMessage(foreign));
    await outbox.enqueue(flagMessage(good));
    await outbox.flush();
    expect(results.map((r) => r.outcome)).to.deep.equal(['rejected', 'delivered']);
    const rejected = results[0] as Extract<DeliveryResult, { outcome: 'rejected' }>;
    expect(rejected.error.status).to.equal(403);
    expect((await getSession(session.sessionId)).flags.map((f) => f.id)).to.deep.equal([good.id]);
  });

  it('gives up a media flag the relay answers 413 (over its size limit): removed, reported once, the rest delivered', async () => {
    const { outbox, results } = await openRecording();
    const tooBig = flagOf(Event.FACE_ABSENCE);
    const after = flagOf(Event.TAB_NOT_FOCUS);
    await outbox.enqueue(flagMessage(tooBig, await makePaddedJpeg(3 * 1024 * 1024)));
    await outbox.enqueue(flagMessage(after));
    await eventually(async () => (await outbox.pending()).length === 0);
    expect(results.map((r) => [r.outcome, r.record.id])).to.deep.equal([
      ['rejected', tooBig.id],
      ['delivered', after.id],
    ]);
    const rejected = results[0] as Extract<DeliveryResult, { outcome: 'rejected' }>;
    expect([rejected.error.kind, rejected.error.status, rejected.error.code]).to.deep.equal(['rejected', 413, 'payload_too_large']);
    expect((await getSession(session.sessionId)).flags.map((f) => f.id)).to.deep.equal([after.id]);
  });

  it('holds messages when the token is refused and sends them once a valid token is set', async () => {
    const outbox = await open();
    outbox.setCredentials({ ...credentials, sessionToken: `${session.token}x` });
    const flag = flagOf(Event.TAB_NOT_FOCUS);
    await outbox.enqueue(flagMessage(flag));
    await eventually(() => Promise.resolve(outbox.state === 'unauthorized'));
    expect(await outbox.pending()).to.have.length(1);
    outbox.setCredentials(credentials);
    await eventually(async () => (await outbox.pending()).length === 0);
    expect((await getSession(session.sessionId)).flags.map((f) => f.id)).to.deep.equal([flag.id]);
  });
});
