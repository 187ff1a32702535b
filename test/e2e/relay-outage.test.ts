import { expect } from '@open-wc/testing';
import { Event } from '../../src/events.js';
import { createFlagFactory } from '../../src/flags.js';
import { toRelayMessage } from '../../src/transport/messages.js';
import { Outbox } from '../../src/transport/outbox.js';
import { makeJpeg, sha256Hex } from './media-fixtures.js';
import { createRelaySession, eventually, getSession, relayOutageStats, relayUrl, startRelayOutage } from './relay-commands.js';

/*
 * The relay answers every flag post with a JSON 503 and Retry-After for a while (an overloaded or
 * restarting relay), then recovers. The real outbox in Chromium, posting to the real relay, must
 * back off (one request in flight, each retry after at least Retry-After: the relay counts the
 * posts it refused), keep every flag queued while flags keep coming, and deliver them all, in the
 * order they were raised, once the relay is back. "Several minutes" is compressed: a 12 s outage
 * with Retry-After: 1, the outbox's backoff scaled down the same way (base 200 ms, cap 2 s,
 * instead of 1 s and 60 s).
 */
describe('relay answering 503 + Retry-After for a while, then recovering', function () {
  this.timeout(90_000);

  it('backs off without a storm, keeps every flag and delivers them in order', async () => {
    const session = await createRelaySession();
    const url = await relayUrl();
    const outbox = await Outbox.open({ dbName: `eye-outage-${Math.random().toString(36).slice(2)}`, backoff: { baseMs: 200, maxMs: 2000, factor: 2 } });
    const ctx = { examId: session.examId, candidateId: session.candidateId, sessionId: session.sessionId };
    outbox.setCredentials({ relayUrl: url, sessionId: session.sessionId, sessionToken: session.token });
    const flag = createFlagFactory(ctx);
    const raised: { id: string; sha256: string | null }[] = [];
    const raise = async (n: number) => {
      if (n % 3 === 1) {
        const mediaFile = await makeJpeg(n);
        const f = { ...flag(Event.FACE_ABSENCE), mediaFile };
        await outbox.enqueue(toRelayMessage({ type: Event.FACE_ABSENCE, payload: f }, ctx)!);
        raised.push({ id: f.id!, sha256: await sha256Hex(mediaFile) });
      } else {
        const type = n % 2 ? Event.EXIT_FULLSCREEN : Event.TAB_NOT_FOCUS;
        const f = flag(type);
        await outbox.enqueue(toRelayMessage({ type, payload: f }, ctx)!);
        raised.push({ id: f.id!, sha256: null });
      }
    };
    try {
      const OUTAGE_MS = 12_000;
      const RETRY_AFTER_S = 1;
      await startRelayOutage(OUTAGE_MS, RETRY_AFTER_S);
      // Flags keep coming during the outage: 12 over the first ~6 s.
      for (let n = 0; n < 12; n++) {
        await raise(n);
        await new Promise((r) => setTimeout(r, 500));
      }
      const during = await relayOutageStats();
      expect(during.refused, 'the outage refused nothing: it did not happen').to.be.greaterThan(0);
      expect(await outbox.count(), 'flags queued while the relay refuses them').to.equal(12);

      await eventually(async () => (await getSession(session.sessionId)).flags.length === raised.length, 60_000, 500);
      const stats = await relayOutageStats();
      const view = await getSession(session.sessionId);

      // No storm: one request at a time, each retry at least Retry-After after the last refusal,
      // so the outage can refuse at most one post per second of it (plus the first).
      expect(stats.refused, `refused ${stats.refused} posts in a ${OUTAGE_MS / 1000} s outage`).to.be.at.most(OUTAGE_MS / 1000 / RETRY_AFTER_S + 1);
      // Every flag once, in the order it was raised (the relay stamps received_at on arrival).
      const stored = [...view.flags].sort((a, b) => a.received_at.localeCompare(b.received_at));
      expect(stored.map((f) => f.id)).to.deep.equal(raised.map((r) => r.id));
      for (const r of raised) if (r.sha256) expect(view.flags.find((f) => f.id === r.id)!.media!.sha256, r.id).to.equal(r.sha256);
      // After the outage: each flag posted exactly once (the head that was refused last included).
      expect(stats.passed).to.equal(raised.length);
      expect(await outbox.count()).to.equal(0);
      console.log(`relay outage: ${stats.refused} posts refused in ${OUTAGE_MS / 1000} s, ${stats.passed} accepted after it, ${raised.length} flags in order`);
    } finally {
      outbox.close();
    }
  });
});
