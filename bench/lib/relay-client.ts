/** Thin helpers to drive a relay over HTTP in benchmarks and chaos tests. */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { request, type RequestSpec } from '../../backend-stub/src/reliability/http-load.js';

export interface Session {
  sessionId: string;
  token: string;
  examId: string;
  candidateId: string;
}

export async function createSession(url: string, apiKey: string, examId = 'bench-exam', agent?: http.Agent): Promise<Session> {
  const candidateId = `cand-${randomUUID().slice(0, 8)}`;
  const r = await request(url, { method: 'POST', path: '/v1/sessions', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ examId, candidateId }) }, agent);
  if (r.status !== 201) throw new Error(`createSession: ${r.status} ${r.body.toString()}`);
  const b = JSON.parse(r.body.toString()) as { sessionId: string; token: string };
  return { ...b, examId, candidateId };
}

/** Creates `n` sessions, `parallel` at a time. */
export async function createSessions(url: string, apiKey: string, n: number, parallel = 16, agent?: http.Agent): Promise<Session[]> {
  const out = new Array<Session>(n);
  let i = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (i < n) {
        const k = i++;
        out[k] = await createSession(url, apiKey, 'bench-exam', agent);
      }
    }),
  );
  return out;
}

export async function createEndpoint(url: string, apiKey: string, target: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const r = await request(url, {
    method: 'POST',
    path: '/v1/webhooks/endpoints',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: target, ...(eventTypes ? { eventTypes } : {}) }),
  });
  if (r.status !== 201) throw new Error(`createEndpoint: ${r.status} ${r.body.toString()}`);
  return JSON.parse(r.body.toString()) as { id: string; secret: string };
}

const FLAG_TYPES = ['TAB_NOT_FOCUS', 'EXIT_FULLSCREEN'] as const;

/** A JSON flag as the widget posts it. */
export function jsonFlag(s: Session, id: string, n = 0): RequestSpec {
  return {
    method: 'POST',
    path: `/v1/sessions/${s.sessionId}/flags`,
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id,
      type: FLAG_TYPES[n % FLAG_TYPES.length],
      description: 'Candidate switched to another tab',
      createdAt: new Date().toISOString(),
      examId: s.examId,
      candidateId: s.candidateId,
      sessionId: s.sessionId,
      details: { durationMs: 1200 + (n % 500), countThisSession: n + 1 },
    }),
  };
}
