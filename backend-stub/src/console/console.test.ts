import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IncidentHistoryEntry } from '../incidents/history.js';
import type { incidentJson } from '../incidents/service.js';
import { flagOf, postFlag, request, type ApiBody, type ApiError } from '../testing/client.js';
import { consoleClient, consoleSignIn, type ConsoleClient, type SignInAnswer } from '../testing/console-client.js';
import { ENGINES } from '../testing/engines.js';
import { startTestRelay, type TestRelay, type TestSession } from '../testing/harness.js';
import type { endpointJson } from '../webhooks/endpoints.js';
import type { Resolver } from '../webhooks/ssrf.js';
import type { auditJson } from './audit.js';
import type { reviewerJson } from './reviewers.js';
import type { listSessions } from './session-list.js';
import type { SessionReport } from './session-report.js';
import { ABSOLUTE_MS, IDLE_MS, LOCKOUT_FAILURES, reviewerOfSession, signIn } from './sign-in.js';

const PASSWORD = 'correct horse battery';
const publicResolver: Resolver = () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]);

// The console API's answers (JSON of what the routes return).
type AuditJson = ReturnType<typeof auditJson>;
type EndpointJson = ReturnType<typeof endpointJson>;
type ReviewerJson = ReturnType<typeof reviewerJson>;
type IncidentJson = ReturnType<typeof incidentJson> & { history: IncidentHistoryEntry[] };
type SessionList = Awaited<ReturnType<typeof listSessions>>;
type SessionDetail = SessionReport & { audit: AuditJson[] };
interface DeliveryList {
  deliveries: { id: string; eventType: string }[];
}
interface DirectiveAnswer {
  id: string;
  status: string;
  updated_at: string;
}
interface TestSent {
  deliveryId: string;
}

async function createReviewer(relay: TestRelay, apiKey: string, email: string, role: 'admin' | 'reviewer', password = PASSWORD) {
  const res = await request(relay, 'POST', '/v1/reviewers', { apiKey, json: { email, role, password } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; email: string; role: string };
}

/** A started session with one DEVTOOLS_OPEN flag (which opens a MEDIUM incident). */
async function sessionWithIncident(relay: TestRelay, apiKey: string, candidateId: string, examId = 'exam-1'): Promise<TestSession> {
  const s = await relay.createSession({ apiKey, candidateId, examId });
  assert.equal((await postFlag(relay, s, flagOf(s, 'STARTED'))).status, 201);
  assert.equal((await postFlag(relay, s, flagOf(s, 'DEVTOOLS_OPEN'))).status, 201);
  return s;
}

for (const engine of ENGINES) {
  describe(`review console [${engine}]`, () => {
    let relay: TestRelay;
    let other: { tenantId: string; apiKey: string };
    let admin: ConsoleClient;
    let reviewer: ConsoleClient;
    let mine: TestSession;
    let theirs: TestSession;

    before(async () => {
      // example.com resolves to a public address without DNS (the machine has none).
      relay = await startTestRelay({ engine, webhooks: { worker: false, resolver: publicResolver } });
      other = await relay.createTenant('tenant B');
      await createReviewer(relay, relay.apiKey, 'Admin@Example.edu', 'admin');
      await createReviewer(relay, relay.apiKey, 'rev@example.edu', 'reviewer');
      await createReviewer(relay, other.apiKey, 'rev@example.edu', 'admin');
      admin = await consoleClient(relay, relay.tenantId, 'admin@example.edu', PASSWORD);
      reviewer = await consoleClient(relay, relay.tenantId, 'rev@example.edu', PASSWORD);
      mine = await sessionWithIncident(relay, relay.apiKey, 'alice-mine');
      theirs = await sessionWithIncident(relay, other.apiKey, 'bob-theirs');
    });
    after(() => (relay as TestRelay | undefined)?.close()); // unset when `before` failed

    it('stores passwords as scrypt hashes and sessions only hashed; cookies are HttpOnly, SameSite=Strict', async () => {
      const row = await relay.db.selectFrom('reviewers').selectAll().where('email', '=', 'admin@example.edu').executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$/);
      assert.ok(!row.password_hash.includes(PASSWORD));
      const value = admin.cookie.split(';')[0]!.split('=')[1]!;
      const stored = await relay.db.selectFrom('console_sessions').select('token_hash').execute();
      assert.ok(stored.length >= 2);
      assert.ok(stored.every((s) => s.token_hash !== value && /^[0-9a-f]{64}$/.test(s.token_hash)));
      const session = admin.setCookies.find((c) => c.startsWith('eye_console='))!;
      assert.match(session, /HttpOnly/);
      assert.match(session, /SameSite=Strict/);
      assert.doesNotMatch(session, /Secure/, 'plain http: no Secure flag');
      assert.doesNotMatch(admin.setCookies.find((c) => c.startsWith('eye_csrf='))!, /HttpOnly/);
    });

    it('answers /me for the signed-in reviewer, 401 without a cookie, and signs out', async () => {
      const me = await reviewer.call<Omit<SignInAnswer, 'expiresAt'>>('GET', '/console/api/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.reviewer.email, 'rev@example.edu');
      assert.equal(me.body.reviewer.role, 'reviewer');
      assert.equal(me.body.csrfToken, reviewer.csrfToken);
      assert.equal((await request(relay, 'GET', '/console/api/me')).status, 401);
      const temp = await consoleClient(relay, relay.tenantId, 'rev@example.edu', PASSWORD);
      assert.equal((await temp.call('POST', '/console/api/sign-out')).status, 204);
      assert.equal((await temp.call('GET', '/console/api/me')).status, 401);
      assert.equal((await reviewer.call('GET', '/console/api/me')).status, 200, 'other sessions stay');
    });

    it('refuses wrong passwords, unknown accounts and other tenants alike, and locks out after repeated failures', async () => {
      const email = 'locked@example.edu';
      await createReviewer(relay, relay.apiKey, email, 'reviewer');
      assert.equal((await consoleSignIn(relay, other.tenantId, 'admin@example.edu', PASSWORD)).status, 401, 'account of another tenant');
      assert.equal((await consoleSignIn(relay, relay.tenantId, 'nobody@example.edu', PASSWORD)).status, 401);
      for (let i = 0; i < LOCKOUT_FAILURES; i++) {
        const res = await consoleSignIn<ApiError>(relay, relay.tenantId, email, `wrong password ${i}`);
        assert.equal(res.status, 401);
        assert.equal(res.body.error, 'invalid_credentials');
      }
      const locked = await consoleSignIn<ApiError>(relay, relay.tenantId, email, PASSWORD);
      assert.equal(locked.status, 429, 'even the right password is refused while locked');
      assert.equal(locked.body.error, 'account_locked');
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      // Failures older than the window no longer count.
      await relay.db.updateTable('console_sign_in_failures').set({ failed_at: new Date(Date.now() - 16 * 60_000).toISOString() }).where('email', '=', email).execute();
      assert.equal((await consoleSignIn(relay, relay.tenantId, email, PASSWORD)).status, 200);
    });

    it('ends a session after IDLE_MS without use, keeps a used one alive, and never past ABSOLUTE_MS', async () => {
      const t0 = Date.now();
      const idle = await signIn(relay.db, { tenantId: relay.tenantId, email: 'rev@example.edu', password: PASSWORD }, t0);
      assert.equal(await reviewerOfSession(relay.db, idle.token, t0 + IDLE_MS + 1000), null);
      assert.equal(await reviewerOfSession(relay.db, idle.token, t0), null, 'an expired session is deleted');
      const used = await signIn(relay.db, { tenantId: relay.tenantId, email: 'rev@example.edu', password: PASSWORD }, t0);
      let at = t0;
      for (; at + IDLE_MS - 60_000 < t0 + ABSOLUTE_MS; at += IDLE_MS - 60_000) {
        assert.equal((await reviewerOfSession(relay.db, used.token, at))?.email, 'rev@example.edu', `in use at +${(at - t0) / 60_000} min`);
      }
      assert.equal(await reviewerOfSession(relay.db, used.token, t0 + ABSOLUTE_MS + 1000), null, 'absolute limit');
    });

    it('refuses a sign-in posted from another origin', async () => {
      const res = await consoleSignIn<ApiError>(relay, relay.tenantId, 'rev@example.edu', PASSWORD, { origin: 'https://evil.example' });
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'origin_refused');
    });

    it('needs the CSRF header and a same origin on every state change', async () => {
      const path = `/console/api/sessions/${mine.sessionId}/directive`;
      const none = await reviewer.call<ApiError>('POST', path, { json: { action: 'pause' }, csrf: null });
      assert.equal(none.status, 403);
      assert.equal(none.body.error, 'csrf_failed');
      assert.equal((await reviewer.call('POST', path, { json: { action: 'pause' }, csrf: admin.csrfToken })).status, 403, "another session's token");
      assert.equal((await reviewer.call('POST', path, { json: { action: 'pause' }, origin: 'https://evil.example' })).status, 403);
      const s = await relay.db.selectFrom('sessions').select('status').where('id', '=', mine.sessionId).executeTakeFirstOrThrow();
      assert.equal(s.status, 'IN_PROGRESS', 'nothing changed');
      assert.equal((await reviewer.call('POST', path, { json: { action: 'pause' }, origin: relay.url })).status, 200);
      assert.equal((await reviewer.call('POST', path, { json: { action: 'resume' } })).status, 200);
    });

    it('gives webhooks and accounts to admins only', async () => {
      for (const [method, path] of [
        ['GET', '/console/api/webhooks/endpoints'],
        ['POST', '/console/api/webhooks/endpoints'],
        ['GET', '/console/api/reviewers'],
        ['POST', '/console/api/reviewers'],
      ] as const) {
        const res = await reviewer.call(method, path, { json: method === 'POST' ? { url: 'https://example.com/h', email: 'x@y.z', role: 'admin' } : undefined });
        assert.equal(res.status, 403, `${method} ${path}`);
      }
      assert.equal((await admin.call('GET', '/console/api/reviewers')).status, 200);
    });

    it('lists, filters, searches, sorts and pages sessions of its own tenant only', async () => {
      for (const [cand, exam] of [['carol-1', 'exam-2'], ['carol-2', 'exam-2'], ['dave', 'exam-3']]) await relay.createSession({ candidateId: cand!, examId: exam! });
      const all = await reviewer.call<SessionList>('GET', '/console/api/sessions?page_size=100');
      assert.equal(all.status, 200);
      const ids = all.body.sessions.map((s) => s.id);
      assert.ok(ids.includes(mine.sessionId));
      assert.ok(!ids.includes(theirs.sessionId), "tenant B's session is never listed");
      assert.equal(all.body.total, 4);
      const exam2 = await reviewer.call<SessionList>('GET', '/console/api/sessions?exam_id=exam-2&sort=candidate_id&order=asc');
      assert.deepEqual(exam2.body.sessions.map((s) => s.candidate_id), ['carol-1', 'carol-2']);
      const search = await reviewer.call<SessionList>('GET', '/console/api/sessions?q=CAROL');
      assert.equal(search.body.total, 2);
      assert.equal((await reviewer.call<SessionList>('GET', `/console/api/sessions?q=${encodeURIComponent('%')}`)).body.total, 0, '% is literal');
      assert.equal((await reviewer.call<SessionList>('GET', '/console/api/sessions?q=bob')).body.total, 0);
      const live = await reviewer.call<SessionList>('GET', '/console/api/sessions?status=IN_PROGRESS,PAUSED');
      assert.deepEqual(live.body.sessions.map((s) => s.id), [mine.sessionId]);
      const risky = await reviewer.call<SessionList>('GET', '/console/api/sessions?risk_min=0.1');
      assert.deepEqual(risky.body.sessions.map((s) => s.id), [mine.sessionId]);
      const page2 = await reviewer.call<SessionList>('GET', '/console/api/sessions?page_size=3&page=2&sort=created_at&order=asc');
      assert.equal(page2.body.sessions.length, 1);
      assert.equal(page2.body.total, 4);
      const future = await reviewer.call<SessionList>('GET', `/console/api/sessions?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
      assert.equal(future.body.total, 0);
      assert.equal((await reviewer.call('GET', '/console/api/sessions?sort=password_hash')).status, 400);
      assert.equal((await reviewer.call('GET', '/console/api/sessions?status=NOPE')).status, 400);
    });

    it("never shows tenant B's session, media, incidents, webhooks or audit to tenant A", async () => {
      assert.equal((await reviewer.call('GET', `/console/api/sessions/${theirs.sessionId}`)).status, 404);
      assert.equal((await reviewer.call('GET', `/console/api/sessions/${theirs.sessionId}/export.json`)).status, 404);
      assert.equal((await reviewer.call('POST', `/console/api/sessions/${theirs.sessionId}/directive`, { json: { action: 'end' } })).status, 404);
      const theirIncident = await relay.db.selectFrom('incidents').select('id').where('session_id', '=', theirs.sessionId).executeTakeFirstOrThrow();
      assert.equal((await reviewer.call('PATCH', `/console/api/incidents/${theirIncident.id}`, { json: { status: 'RESOLVED' } })).status, 404);
      const endpoint = await request<ApiBody<'/v1/webhooks/endpoints', 'post', 201>>(relay, 'POST', '/v1/webhooks/endpoints', { apiKey: other.apiKey, json: { url: 'https://example.com/hooks' } });
      assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
      const test = await request<ApiBody<'/v1/webhooks/endpoints/{id}/test', 'post', 202>>(relay, 'POST', `/v1/webhooks/endpoints/${endpoint.body.id}/test`, { apiKey: other.apiKey });
      assert.equal(test.status, 202);
      const listed = await admin.call<{ endpoints: EndpointJson[] }>('GET', '/console/api/webhooks/endpoints');
      assert.ok(!listed.body.endpoints.some((e) => e.id === endpoint.body.id));
      assert.equal((await admin.call('GET', `/console/api/webhooks/endpoints/${endpoint.body.id}/deliveries`)).status, 404);
      assert.equal((await admin.call('POST', `/console/api/webhooks/endpoints/${endpoint.body.id}/rotate-secret`)).status, 404);
      assert.equal((await admin.call('PATCH', `/console/api/webhooks/endpoints/${endpoint.body.id}`, { json: { enabled: false } })).status, 404);
      assert.equal((await admin.call('POST', `/console/api/webhooks/deliveries/${test.body.deliveryId}/redeliver`)).status, 404);
      const theirReviewer = await relay.db.selectFrom('reviewers').select('id').where('tenant_id', '=', other.tenantId).executeTakeFirstOrThrow();
      assert.equal((await admin.call('PATCH', `/console/api/reviewers/${theirReviewer.id}`, { json: { disabled: true } })).status, 404);
      const reviewers = await admin.call<{ reviewers: ReviewerJson[] }>('GET', '/console/api/reviewers');
      assert.ok(!reviewers.body.reviewers.some((r) => r.id === theirReviewer.id));
      // Tenant B's own reviewer sees its session, not A's; A's media URLs are never in B's answers.
      const b = await consoleClient(relay, other.tenantId, 'rev@example.edu', PASSWORD);
      const bList = await b.call<SessionList>('GET', '/console/api/sessions');
      assert.deepEqual(bList.body.sessions.map((s) => s.id), [theirs.sessionId]);
      assert.equal((await b.call('GET', `/console/api/sessions/${mine.sessionId}`)).status, 404);
      const bAudit = await b.call<{ entries: AuditJson[] }>('GET', '/console/api/audit');
      assert.ok(bAudit.body.entries.every((e) => e.actor.email === 'rev@example.edu'));
      assert.ok(!bAudit.body.entries.some((e) => e.sessionId === mine.sessionId));
    });

    it('shows a session with its risk evidence and incidents; resolving one sends incident.instance.updated, records history and audit', async () => {
      const detail = await reviewer.call<SessionDetail>('GET', `/console/api/sessions/${mine.sessionId}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.candidate_id, 'alice-mine');
      assert.ok(detail.body.risk.score > 0);
      assert.equal(detail.body.risk.evidence[0]!.type, 'DEVTOOLS_OPEN');
      assert.equal(detail.body.risk.evidence[0]!.weight, 0.5);
      const incident = detail.body.incidents.find((i) => i.rule === 'DEVTOOLS')!;
      assert.equal(incident.status, 'TRIGGERED');
      assert.equal(incident.history[0]!.status, 'TRIGGERED');

      const resolved = await reviewer.call<IncidentJson>('PATCH', `/console/api/incidents/${incident.id}`, { json: { status: 'RESOLVED', resolution_notes: 'browser extension, not cheating' } });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      assert.equal(resolved.body.status, 'RESOLVED');
      assert.deepEqual(
        resolved.body.history.map((h) => [h.status, h.actor]),
        [['TRIGGERED', 'rule DEVTOOLS'], ['RESOLVED', 'rev@example.edu']],
      );
      assert.equal(resolved.body.history[1]!.notes, 'browser extension, not cheating');
      const events = await relay.db.selectFrom('webhook_events').select(['event_type', 'data']).where('session_id', '=', mine.sessionId).where('event_type', '=', 'incident.instance.updated').execute();
      const sent = events.map((e) => JSON.parse(e.data) as { incident: IncidentJson }).find((d) => d.incident.id === incident.id && d.incident.status === 'RESOLVED');
      assert.ok(sent, 'incident.instance.updated queued in the outbox');
      assert.equal(sent.incident.resolution_notes, 'browser extension, not cheating');
      assert.equal((await reviewer.call('PATCH', `/console/api/incidents/${incident.id}`, { json: { status: 'TRIGGERED' } })).status, 409);
      const reopened = await reviewer.call<IncidentJson>('PATCH', `/console/api/incidents/${incident.id}`, { json: { status: 'REOPENED', resolution_notes: 'second look' } });
      assert.equal(reopened.body.status, 'REOPENED');

      const after = await reviewer.call<SessionDetail>('GET', `/console/api/sessions/${mine.sessionId}`);
      const actions = after.body.audit.map((a) => `${a.actor.email} ${a.action}`);
      assert.ok(actions.includes('rev@example.edu incident.updated'));
      assert.ok(actions.includes('rev@example.edu session.pause'));
      assert.ok(after.body.audit.every((a) => !Number.isNaN(Date.parse(a.at))));
    });

    it('pauses, resumes and ends a session (409 once ended) and exports it as JSON', async () => {
      const s = await relay.createSession({ candidateId: 'erin' });
      await postFlag(relay, s, flagOf(s, 'STARTED'));
      const path = `/console/api/sessions/${s.sessionId}/directive`;
      assert.equal((await reviewer.call<DirectiveAnswer>('POST', path, { json: { action: 'pause' } })).body.status, 'PAUSED');
      const flag = await postFlag(relay, s, flagOf(s, 'TAB_NOT_FOCUS'));
      assert.equal(flag.body.directive, 'pause', 'the widget is told to pause');
      assert.equal((await reviewer.call<DirectiveAnswer>('POST', path, { json: { action: 'resume' } })).body.status, 'IN_PROGRESS');
      assert.equal((await reviewer.call<DirectiveAnswer>('POST', path, { json: { action: 'end', reason: 'proctor ended it' } })).body.status, 'STOPPED');
      assert.equal((await reviewer.call('POST', path, { json: { action: 'pause' } })).status, 409);
      assert.equal((await reviewer.call('POST', path, { json: { action: 'explode' } })).status, 400);
      const exported = await reviewer.call<SessionReport>('GET', `/console/api/sessions/${s.sessionId}/export.json`);
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get('content-disposition')!, /attachment; filename="eye-session-/);
      assert.equal(exported.body.status, 'STOPPED');
      assert.equal(exported.body.exit_reason, 'proctor ended it');
    });

    it('pushes changed sessions of its tenant over server-sent events', async () => {
      const controller = new AbortController();
      const since = new Date().toISOString();
      const res = await fetch(`${relay.url}/console/api/sessions/live?since=${encodeURIComponent(since)}`, { headers: { cookie: reviewer.cookie }, signal: controller.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const s = await relay.createSession({ candidateId: 'frank-live' });
      const b = await relay.createSession({ apiKey: other.apiKey, candidateId: 'other-live' });
      await postFlag(relay, b, flagOf(b, 'STARTED'));
      await postFlag(relay, s, flagOf(s, 'STARTED'));
      const seen: { id: string; status: string; candidate_id: string }[] = [];
      const decoder = new TextDecoder();
      let buffer = '';
      const timer = setTimeout(() => {
        controller.abort();
      }, 20_000);
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (const m of buffer.matchAll(/event: session\nid: [^\n]*\ndata: ([^\n]+)\n\n/g)) seen.push(JSON.parse(m[1]!) as (typeof seen)[number]);
          buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
          if (seen.some((x) => x.id === s.sessionId && x.status === 'IN_PROGRESS')) break;
        }
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
      assert.ok(seen.some((x) => x.id === s.sessionId && x.status === 'IN_PROGRESS'), JSON.stringify(seen));
      assert.ok(!seen.some((x) => x.candidate_id === 'other-live'), "tenant B's session never on tenant A's feed");
    });

    it('lets admins manage webhook endpoints with the shared service, audited', async () => {
      const created = await admin.call<EndpointJson & { secret: string }>('POST', '/console/api/webhooks/endpoints', { json: { url: 'https://example.com/eye' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.secret, /^whsec_/);
      const id = created.body.id;
      assert.equal((await admin.call<EndpointJson>('PATCH', `/console/api/webhooks/endpoints/${id}`, { json: { enabled: false } })).body.enabled, false);
      assert.equal((await admin.call('POST', `/console/api/webhooks/endpoints/${id}/test`)).status, 409, 'disabled');
      assert.equal((await admin.call<EndpointJson>('PATCH', `/console/api/webhooks/endpoints/${id}`, { json: { enabled: true } })).body.enabled, true);
      const rotated = await admin.call<EndpointJson & { secret: string }>('POST', `/console/api/webhooks/endpoints/${id}/rotate-secret`);
      assert.notEqual(rotated.body.secret, created.body.secret);
      assert.ok(rotated.body.previousSecretExpiresAt);
      const test = await admin.call<TestSent>('POST', `/console/api/webhooks/endpoints/${id}/test`);
      assert.equal(test.status, 202);
      const deliveries = await admin.call<DeliveryList>('GET', `/console/api/webhooks/endpoints/${id}/deliveries`);
      assert.equal(deliveries.body.deliveries[0]!.id, test.body.deliveryId);
      assert.equal(deliveries.body.deliveries[0]!.eventType, 'webhook.test');
      const again = await admin.call('POST', `/console/api/webhooks/deliveries/${test.body.deliveryId}/redeliver`);
      assert.equal(again.status, 202);
      assert.equal((await admin.call('POST', '/console/api/webhooks/endpoints', { json: { url: 'http://127.0.0.1/x' } })).status, 400, 'same target checks as the API');
      const log = await admin.call<{ entries: AuditJson[] }>('GET', '/console/api/audit?limit=50');
      const actions = log.body.entries.filter((e) => e.target?.id === id).map((e) => e.action);
      for (const a of ['webhook_endpoint.created', 'webhook_endpoint.disabled', 'webhook_endpoint.enabled', 'webhook_endpoint.secret_rotated', 'webhook_endpoint.tested']) assert.ok(actions.includes(a), a);
    });

    it('lets admins create and disable accounts; a disabled account is signed out at once', async () => {
      const created = await admin.call<ReviewerJson & { password: string }>('POST', '/console/api/reviewers', { json: { email: 'temp@example.edu', role: 'reviewer' } });
      assert.equal(created.status, 201);
      assert.equal(typeof created.body.password, 'string', 'generated password returned once');
      const temp = await consoleClient(relay, relay.tenantId, 'temp@example.edu', created.body.password);
      assert.equal((await temp.call('GET', '/console/api/me')).status, 200);
      assert.equal((await admin.call<ReviewerJson>('PATCH', `/console/api/reviewers/${created.body.id}`, { json: { disabled: true } })).body.disabled, true);
      assert.equal((await temp.call('GET', '/console/api/me')).status, 401);
      assert.equal((await consoleSignIn(relay, relay.tenantId, 'temp@example.edu', created.body.password)).status, 401);
      assert.equal((await admin.call('POST', '/console/api/reviewers', { json: { email: 'temp@example.edu', role: 'reviewer' } })).status, 409);
      assert.equal((await admin.call('POST', '/console/api/reviewers', { json: { email: 'short@example.edu', role: 'reviewer', password: 'short' } })).status, 400);
    });

    it('gives an LMS a scoped, read-only, short-lived report token', async () => {
      const issued = await request<ApiBody<'/v1/sessions/{id}/report-token', 'post', 201>>(relay, 'POST', `/v1/sessions/${mine.sessionId}/report-token?ttl_seconds=120`, { apiKey: relay.apiKey });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      assert.ok(Date.parse(issued.body.expiresAt) - Date.now() <= 121_000);
      const report = await fetch(issued.body.reportUrl, { headers: { authorization: `Bearer ${issued.body.token}`, origin: 'https://lms.example' } });
      assert.equal(report.status, 200);
      assert.equal(report.headers.get('access-control-allow-origin'), 'https://lms.example');
      const body = (await report.json()) as { id: string; incidents: { history: unknown[] }[]; risk: { evidence: unknown[] }; audit?: unknown };
      assert.equal(body.id, mine.sessionId);
      assert.ok(body.incidents[0]!.history.length >= 2);
      assert.equal(body.audit, undefined, 'no audit log in reports');
      const wrongSession = await fetch(`${relay.url}/v1/reports/${theirs.sessionId}`, { headers: { authorization: `Bearer ${issued.body.token}` } });
      assert.equal(wrongSession.status, 403);
      const tampered = await fetch(issued.body.reportUrl, { headers: { authorization: `Bearer ${issued.body.token.slice(0, -2)}xx` } });
      assert.equal(tampered.status, 401);
      // A session token is no report token.
      assert.equal((await fetch(issued.body.reportUrl, { headers: { authorization: `Bearer ${mine.token}` } })).status, 401);
      const noBody = await request(relay, 'POST', `/v1/sessions/${mine.sessionId}/report-token`, { apiKey: relay.apiKey });
      assert.equal(noBody.status, 201, 'no body: the default lifetime');
      assert.equal((await request(relay, 'POST', `/v1/sessions/${theirs.sessionId}/report-token`, { apiKey: relay.apiKey })).status, 404);
      assert.equal((await request(relay, 'POST', `/v1/sessions/${mine.sessionId}/report-token?ttl_seconds=999999`, { apiKey: relay.apiKey })).status, 400);
    });

    it('serves the console page with a strict CSP in every mode', async () => {
      const res = await fetch(`${relay.url}/console/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      assert.match(await res.text(), /<eye-console>/);
      assert.equal((await fetch(`${relay.url}/console/assets/..%2Fesm%2Findex.js`)).status, 404);
    });
  });
}
