/**
 * Three relay processes on one PostgreSQL schema, each with its own media dir (as on three
 * machines): flags posted round-robin, media uploaded to one relay and downloaded from another
 * byte-identical, directives set through one relay seen by a widget talking to another, and one
 * relay SIGKILLed mid-load: no acknowledged flag lost, every flag delivered under one webhook-id,
 * no copy beyond the attempts the relays made (plus at most one unrecorded attempt of the killed one).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedLoop } from '../../backend-stub/src/reliability/http-load.js';
import { createRelayStore, listMediaFiles, spawnRelay, type RelayProcess } from '../../backend-stub/src/reliability/relay-process.js';
import { sampleJpeg } from '../../backend-stub/src/testing/media-fixtures.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag, type Session } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil, webhookIdsByFlag } from './lib.js';

async function postFlag(relay: RelayProcess, s: Session, flag: Record<string, unknown>, file?: Buffer): Promise<{ status: number; body: { directive?: string } }> {
  const full = { examId: s.examId, candidateId: s.candidateId, createdAt: new Date().toISOString(), ...flag };
  let body: FormData | string = JSON.stringify(full);
  const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
  if (file) {
    body = new FormData();
    body.set('flag', JSON.stringify(full));
    body.set('mediaFile', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), 'snap.jpg');
  } else headers['content-type'] = 'application/json';
  const res = await fetch(`${relay.url}/v1/sessions/${s.sessionId}/flags`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { directive?: string } };
}

async function setStatus(relay: RelayProcess, apiKey: string, sessionId: string, status: string): Promise<number> {
  const res = await fetch(`${relay.url}/v1/sessions/${sessionId}/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('three relays on one PostgreSQL: shared media, directives from any relay, SIGKILL of one mid-load', { timeout: 300_000 }, async () => {
  const receiver = await startReceiver();
  const store = await createRelayStore('postgres', 'eye_multi');
  const relays: RelayProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      relays.push(await spawnRelay(store, { createTenant: i === 0, env: { ...CHAOS_ENV, MEDIA_DIR: join(store.dir, `media-${i}`) } }));
    }
    const apiKey = relays[0]!.apiKey!;
    await createEndpoint(relays[1]!.url, apiKey, `${receiver.url}/hook`);
    const sessions = await createSessions(relays[2]!.url, apiKey, 30);

    // Media: uploaded to relay i, downloaded from relay i+1 (its signed URL), byte-identical.
    for (let i = 0; i < 6; i++) {
      const s = sessions[i]!;
      const jpeg = sampleJpeg((i % 6) + 1);
      const up = await postFlag(relays[i % 3]!, s, { id: `m-${i}`, type: 'FACE_ABSENCE', description: 'no face', details: { durationMs: 5000 } }, jpeg);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const view = await fetch(`${relays[(i + 2) % 3]!.url}/v1/sessions/${s.sessionId}`, { headers: { authorization: `Bearer ${apiKey}` } });
      const flag = ((await view.json()) as { flags: { id: string; media_url?: string }[] }).flags.find((f) => f.id === `m-${i}`);
      assert.ok(flag?.media_url, 'media_url in the session view');
      const signed = new URL(flag.media_url);
      const other = relays[(i + 1) % 3]!;
      const res = await fetch(`${other.url}${signed.pathname}${signed.search}`);
      assert.equal(res.status, 200, `media of relay ${i % 3} read from relay ${(i + 1) % 3}`);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(jpeg), 'byte-identical');
    }
    for (let i = 0; i < 3; i++) {
      const files = await listMediaFiles(join(store.dir, `media-${i}`));
      assert.deepEqual(files, [], `relay ${i} keeps no media file of its own (temp uploads included)`);
    }

    // Directives: the status is changed through one relay; the widget talks to another.
    const d = sessions[29]!;
    const started = { id: 'start', type: 'STARTED', createdAt: new Date().toISOString() };
    assert.equal((await postFlag(relays[0]!, d, started)).status, 201);
    assert.equal(await setStatus(relays[1]!, apiKey, d.sessionId, 'PAUSED'), 200);
    assert.equal((await postFlag(relays[2]!, d, { id: 'f1', type: 'TAB_NOT_FOCUS', details: { durationMs: 900 } })).body.directive, 'pause');
    assert.equal(await setStatus(relays[2]!, apiKey, d.sessionId, 'IN_PROGRESS'), 200);
    assert.equal((await postFlag(relays[0]!, d, { id: 'p1', type: 'PAUSED', payload: { reason: 'stale' } })).body.directive, 'resume');
    assert.equal(await setStatus(relays[0]!, apiKey, d.sessionId, 'STOPPED'), 200);
    // The widget's directive poll re-posts its last lifecycle message (a duplicate, nothing stored).
    const poll = await postFlag(relays[1]!, d, started);
    assert.equal(poll.status, 200);
    assert.equal(poll.body.directive, 'end');

    // Load round-robin over the three relays; relay 2 is SIGKILLed in the middle.
    const live = sessions.slice(0, 28);
    const acked = new Set<string>();
    const killAfterMs = 2500;
    const loads = relays.map((relay, r) =>
      closedLoop({
        baseUrl: relay.url,
        concurrency: 6,
        durationMs: killAfterMs + 2000,
        next: (i) => jsonFlag(live[(i * 3 + r) % live.length]!, `k-${r}-${i}`, i),
        onAnswer: (i, a) => {
          if (a.status === 201 || a.status === 200) acked.add(`${live[(i * 3 + r) % live.length]!.sessionId}/k-${r}-${i}`);
        },
      }),
    );
    await new Promise((r) => setTimeout(r, killAfterMs));
    await relays[2]!.kill();
    const results = await Promise.all(loads);
    assert.ok(acked.size > 10, `only ${acked.size} flags acknowledged`);
    assert.ok(results[2]!.failed > 0, 'the kill should have failed some requests of relay 2');

    const db = openStoreDb(store);
    try {
      const stored = new Set((await db.selectFrom('flags').select(['session_id', 'id']).where('id', 'like', 'k-%').execute()).map((f) => `${f.session_id}/${f.id}`));
      const lost = [...acked].filter((k) => !stored.has(k));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged flags are missing`);
      // The two surviving relays deliver everything, the killed one's leased deliveries included.
      await waitUntil('every stored flag delivered', () => {
        const seen = webhookIdsByFlag(receiver.requests);
        return [...stored].every((k) => seen.has(k));
      }, 150_000, 500);
      await waitUntil(
        'every delivery row delivered',
        async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0,
        150_000,
        500,
      );
      for (const [key, ids] of webhookIdsByFlag(receiver.requests)) assert.equal(ids.size, 1, `flag ${key} under several webhook-ids`);
      // Copies per webhook-id never exceed the attempts recorded for its delivery, plus one attempt
      // the killed relay may have sent without recording it.
      const copies = new Map<string, number>();
      for (const r of receiver.requests) {
        const id = r.headers['webhook-id'];
        if (id) copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      const attempts = await db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_attempts', 'webhook_attempts.delivery_id', 'webhook_deliveries.id')
        .select(['webhook_deliveries.event_id as event_id'])
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .groupBy('webhook_deliveries.event_id')
        .execute();
      const attemptsOf = new Map(attempts.map((a) => [a.event_id, Number(a.n)]));
      let extra = 0;
      for (const [id, n] of copies) {
        const allowed = (attemptsOf.get(id) ?? 0) + 1;
        assert.ok(n <= allowed, `webhook-id ${id} received ${n} times, ${allowed - 1} attempts recorded`);
        if (n > 1) extra++;
      }
      const sent = [...copies.values()].reduce((a, b) => a + b, 0);
      console.log(`# multi-relay: ${acked.size} flags acknowledged, ${stored.size} stored, ${copies.size} events, ${sent} copies received (${extra} events more than once)`);
    } finally {
      await db.destroy();
    }
  } finally {
    for (const r of relays) await r.kill().catch(() => {});
    await receiver.close();
    await store.destroy();
  }
});
