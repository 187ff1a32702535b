/**
 * PostgreSQL connections lost under load (what a server restart or failover does to a relay):
 * the test terminates every backend of ONE relay (found by the relay's application_name, never
 * another process's: the server is shared) three times while flags pour in. The relay process
 * survives, every answer is a 2xx or a JSON 503 with Retry-After (never a 500, never a hang),
 * the relay reconnects by itself, every acknowledged flag is stored, flags refused with 503 are
 * accepted when the client retries, and the webhook worker (its LISTEN connection dropped too)
 * delivers every flag, each under one webhook-id and at most once per recorded attempt.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { keepAliveAgent, request, type HttpAnswer } from '../../backend-stub/src/reliability/http-load.js';
import { createRelayStore, spawnRelay } from '../../backend-stub/src/reliability/relay-process.js';
import { withPgAdmin } from '../../backend-stub/src/testing/engines.js';
import { startReceiver } from '../../backend-stub/src/testing/receiver.js';
import { createEndpoint, createSessions, jsonFlag, type Session } from '../../bench/lib/relay-client.js';
import { CHAOS_ENV, openStoreDb, waitUntil, webhookIdsByFlag } from './lib.js';

/** Terminates the backends of connections named `appName` only; returns how many. */
async function terminateBackends(appName: string): Promise<number> {
  const r = await withPgAdmin((c) =>
    c.query<{ ok: boolean }>('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()', [appName]),
  );
  return r.rows.filter((row) => row.ok).length;
}

test('PostgreSQL backends terminated under load: 503 + Retry-After, reconnect, nothing acknowledged lost, deliveries resume', { timeout: 240_000 }, async () => {
  const appName = `eye_chaos_${randomBytes(4).toString('hex')}`;
  const receiver = await startReceiver();
  const store = await createRelayStore('postgres', 'eye_chaos');
  const relay = await spawnRelay(store, { createTenant: true, env: { ...CHAOS_ENV, EYE_PG_APPLICATION_NAME: appName } });
  const db = openStoreDb(store);
  const agent = keepAliveAgent(16);
  try {
    await createEndpoint(relay.url, relay.apiKey!, `${receiver.url}/hook`);
    const sessions = await createSessions(relay.url, relay.apiKey!, 20);
    const flagKey = (s: Session, id: string) => `${s.sessionId}/${id}`;
    const acked = new Set<string>();
    const refused: { s: Session; id: string; n: number }[] = [];
    const statuses: Record<string, number> = {};
    const bad: string[] = [];
    const note = (a: HttpAnswer, s: Session, id: string, n: number) => {
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (a.status === 201 || a.status === 200) {
        acked.add(flagKey(s, id));
        return;
      }
      let body: { error?: string; message?: string } = {};
      try {
        body = JSON.parse(a.body.toString('utf8')) as typeof body;
      } catch {
        /* checked below */
      }
      if (a.status === 503 && body.error === 'database_unavailable' && Number(a.headers['retry-after']) > 0) refused.push({ s, id, n });
      else bad.push(`${a.status} retry-after=${a.headers['retry-after']} ${a.body.toString('utf8').slice(0, 200)}`);
    };

    // 16 clients post flags until told to stop; every request has a 30 s deadline (a hang fails it).
    let stop = false;
    let i = 0;
    const client = async () => {
      while (!stop) {
        const n = i++;
        const s = sessions[n % sessions.length]!;
        const id = `pg-${n}`;
        try {
          note(await request(relay.url, jsonFlag(s, id, n), agent, 30_000), s, id, n);
        } catch (err) {
          bad.push(`network: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, client));
    const terminated: number[] = [];
    for (let round = 0; round < 3; round++) {
      // 40 flags acknowledged since the previous fault: the relay has reconnected (a count from the
      // start could be reached by flags answered during the previous termination, and the next
      // round would then find no backend yet).
      const ackedBefore = acked.size;
      await waitUntil('flags acknowledged between faults', () => acked.size >= ackedBefore + 40, 60_000, 100);
      terminated.push(await terminateBackends(appName));
    }
    // The relay must answer 2xx again by itself after the last fault.
    const ackedAtLastFault = acked.size;
    await waitUntil('flags acknowledged after the last fault', () => acked.size >= ackedAtLastFault + 40, 60_000, 100);
    stop = true;
    await load;
    console.log(`pg backends: terminated ${terminated.join('+')} backends; answers ${JSON.stringify(statuses)}; ${acked.size} acknowledged, ${refused.length} refused with 503`);

    assert.equal(relay.child.exitCode, null, 'the relay process died');
    assert.equal(relay.child.signalCode, null, 'the relay process was killed');
    assert.ok(terminated.every((n) => n > 0), `some rounds found no backend to terminate: ${terminated.join(', ')}`);
    assert.deepEqual(bad, [], 'answers other than 2xx or a JSON 503 with Retry-After');

    // The clients retry what got a 503 (as the widget outbox does): all of it is accepted now.
    for (const r of refused) {
      const a = await request(relay.url, jsonFlag(r.s, r.id, r.n), agent, 30_000);
      assert.ok(a.status === 201 || a.status === 200, `retry of ${r.id}: ${a.status} ${a.body.toString('utf8')}`);
      acked.add(flagKey(r.s, r.id));
    }

    const stored = new Set((await db.selectFrom('flags').select(['session_id', 'id']).execute()).map((f) => `${f.session_id}/${f.id}`));
    const lost = [...acked].filter((k) => !stored.has(k));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged flags are missing`);

    // The worker lost its connections too: it resumes and every flag reaches the receiver.
    await waitUntil('every delivery row delivered', async () => (await db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0, 120_000, 500);
    const seen = webhookIdsByFlag(receiver.requests);
    const undelivered = [...stored].filter((k) => !seen.has(k));
    assert.deepEqual(undelivered, [], 'stored flags whose webhook never arrived');
    for (const [key, ids] of seen) assert.equal(ids.size, 1, `flag ${key} arrived under several webhook-ids`);
    // At-least-once, no more: an event reaches the receiver at most once per attempt the relay recorded.
    const attemptsByEvent = new Map((await db.selectFrom('webhook_deliveries').select(['event_id', 'attempts']).execute()).map((d) => [d.event_id, d.attempts]));
    const received = new Map<string, number>();
    for (const r of receiver.requests) {
      const id = r.headers['webhook-id'] ?? '';
      received.set(id, (received.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const [id, count] of received) {
      assert.ok(count <= (attemptsByEvent.get(id) ?? 0), `event ${id} received ${count} times for ${attemptsByEvent.get(id)} attempts`);
      duplicates += count - 1;
    }
    console.log(`pg backends: ${received.size} events delivered, ${duplicates} extra copies (retried attempts)`);
  } finally {
    agent.destroy();
    await db.destroy();
    await relay.stop();
    await receiver.close();
    await store.destroy();
  }
});
