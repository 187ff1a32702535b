/**
 * A corpus of bad requests against the relay's public routes: malformed and oversized JSON, wrong
 * types, forged and expired tokens, other tenants' ids, media whose bytes lie about their type,
 * path-like ids, huge and broken headers. The relay must answer every one with a 4xx JSON
 * `{ error, message }`, store nothing and keep serving (corpus.test.ts, test/chaos).
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { SignJWT } from 'jose';
import { deriveKey, signSessionToken } from '../tokens.js';
import type { RequestSpec } from './http-load.js';
import { makeWav, multipartBody, samplePhoto } from './media-fixtures.js';

export interface CorpusSession {
  sessionId: string;
  token: string;
  examId: string;
  candidateId: string;
}

export interface CorpusContext {
  /** The relay's secret (to mint expired / mis-scoped tokens a forger could not). */
  secret: string;
  apiKey: string;
  tenantId: string;
  /** The session most cases target (tenant A). */
  a: CorpusSession;
  /** Another session of tenant A. */
  b: CorpusSession;
  /** A session of another tenant, and that tenant's key. */
  other: CorpusSession & { apiKey: string; tenantId: string };
  /** Limits of the relay under test. */
  limits: { jsonBodyBytes: number; imageBytes: number; audioBytes: number };
}

export type CorpusCase =
  | { name: string; category: string; spec: RequestSpec }
  /** Sent as raw bytes on a socket (requests an HTTP client refuses to build). */
  | { name: string; category: string; raw: Buffer };

const json = (v: unknown) => JSON.stringify(v);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** Malformed JSON texts (each invalid for JSON.parse or for the route's object schema). */
export const MALFORMED_JSON: string[] = [
  '',
  ' ',
  '{',
  '}',
  '{"type":',
  '{"type":"TAB_NOT_FOCUS"',
  '{"type":"TAB_NOT_FOCUS",}',
  "{'type':'TAB_NOT_FOCUS'}",
  '{type:"TAB_NOT_FOCUS"}',
  '{"type":"TAB_NOT_FOCUS"}}',
  '{"type":"TAB_NOT_FOCUS"} trailing',
  '{"type":NaN}',
  '{"type":undefined}',
  '{"type":"TAB_NOT_FOCUS","details":{"durationMs":Infinity}}',
  '{"type":"TAB_NOT_FOCUS","details":{"durationMs":01}}',
  '{"type":"\\x41"}',
  '{"type":"\\uZZZZ"}',
  '{"type":"TAB_NOT_FOCUS" "id":"x"}',
  '[',
  '[1,2',
  '"unterminated',
  'nul',
  'tru',
  '/* comment */ {"type":"TAB_NOT_FOCUS"}',
  '{"type":"TAB_NOT_FOCUS"}\u0000',
  '\uFEFF{"type":"TAB_NOT_FOCUS"',
  '{"a":' + '['.repeat(2000),
  '['.repeat(100_000) + ']'.repeat(100_000),
  '{"type":"TAB_NOT_FOCUS","description":"' + '\\'.repeat(3) + '"}',
  Buffer.from([0xc3, 0x28, 0x7b, 0x7d]).toString('latin1'),
];

function tokenCases(ctx: CorpusContext, path: (s: CorpusSession) => string, method: 'POST', body: string, category: string): CorpusCase[] {
  const a = ctx.a;
  const [h, p, sig] = a.token.split('.');
  if (h === undefined || p === undefined || sig === undefined) throw new Error('session token is not a JWT');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  const tamperedPayload = Buffer.from(json({ ...payload, sub: ctx.b.sessionId })).toString('base64url');
  const noneHeader = Buffer.from(json({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const cases: [string, Record<string, string>][] = [
    ['no authorization', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['basic auth', { authorization: 'Basic ' + Buffer.from('user:pass').toString('base64') }],
    ['garbage token', bearer('not-a-token')],
    ['three-part garbage', bearer('aaa.bbb.ccc')],
    ['alg none', bearer(`${noneHeader}.${p}.`)],
    ['payload swapped to another session', bearer(`${h}.${tamperedPayload}.${sig}`)],
    ['signature stripped', bearer(`${h}.${p}.`)],
    ['signature of another token', bearer(`${h}.${p}.${ctx.b.token.split('.')[2]}`)],
    ['10 KB token', bearer('x'.repeat(10_000))],
    ['API key as session token', bearer(ctx.apiKey)],
    ['token of another session (same tenant)', bearer(ctx.b.token)],
    ['token of another tenant', bearer(ctx.other.token)],
    ['lowercase scheme, two tokens', { authorization: `bearer ${a.token} ${a.token}` }],
  ];
  return cases.map(([name, headers]) => ({
    name: `${category}: ${name}`,
    category,
    spec: { method, path: path(a), headers: { 'content-type': 'application/json', ...headers }, body },
  }));
}

/** Tokens a forger cannot make without the relay secret: expired, wrong audience, missing claims. */
async function mintedTokens(ctx: CorpusContext): Promise<[string, string][]> {
  const key = deriveKey(ctx.secret, 'session-token');
  const wrongKey = deriveKey(ctx.secret + 'x', 'session-token');
  const claims = { sessionId: ctx.a.sessionId, tenantId: ctx.tenantId, examId: ctx.a.examId, candidateId: ctx.a.candidateId };
  const expired = await signSessionToken(ctx.secret, claims, 60, Date.now() - 3600_000);
  const now = Math.floor(Date.now() / 1000);
  const base = () => new SignJWT({ tid: ctx.tenantId, exam: ctx.a.examId, cand: ctx.a.candidateId }).setSubject(ctx.a.sessionId).setIssuedAt(now).setExpirationTime(now + 600);
  return [
    ['expired token', expired.token],
    ['wrong signing key', await base().setProtectedHeader({ alg: 'HS256' }).setIssuer('eye-relay').setAudience('eye-widget').sign(wrongKey)],
    ['media-url key instead of token key', await base().setProtectedHeader({ alg: 'HS256' }).setIssuer('eye-relay').setAudience('eye-widget').sign(deriveKey(ctx.secret, 'media-url'))],
    ['wrong audience', await base().setProtectedHeader({ alg: 'HS256' }).setIssuer('eye-relay').setAudience('someone-else').sign(key)],
    ['wrong issuer', await base().setProtectedHeader({ alg: 'HS256' }).setIssuer('mallory').setAudience('eye-widget').sign(key)],
    ['HS512 instead of HS256', await base().setProtectedHeader({ alg: 'HS512' }).setIssuer('eye-relay').setAudience('eye-widget').sign(key)],
    ['missing tenant claim', await new SignJWT({ exam: ctx.a.examId, cand: ctx.a.candidateId }).setSubject(ctx.a.sessionId).setIssuer('eye-relay').setAudience('eye-widget').setExpirationTime(now + 600).setProtectedHeader({ alg: 'HS256' }).sign(key)],
    ['no expiry', await new SignJWT({ tid: ctx.tenantId, exam: ctx.a.examId, cand: ctx.a.candidateId }).setSubject(ctx.a.sessionId).setIssuer('eye-relay').setAudience('eye-widget').setProtectedHeader({ alg: 'HS256' }).sign(key)],
    ['not yet valid', await base().setNotBefore(now + 3600).setProtectedHeader({ alg: 'HS256' }).setIssuer('eye-relay').setAudience('eye-widget').sign(key)],
    ['other tenant id in claims', await new SignJWT({ tid: ctx.other.tenantId, exam: ctx.a.examId, cand: ctx.a.candidateId }).setSubject(ctx.a.sessionId).setIssuer('eye-relay').setAudience('eye-widget').setExpirationTime(now + 600).setProtectedHeader({ alg: 'HS256' }).sign(key)],
  ];
}

/** Byte strings that are not an accepted media type, whatever the client claims. */
const ELF_EXECUTABLE = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(512, 1)]);
const LYING_MEDIA: [string, Buffer][] = [
  ['ELF executable', ELF_EXECUTABLE],
  ['Windows PE', Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(512, 2)])],
  ['HTML page', Buffer.from('<!doctype html><script>alert(document.cookie)</script>')],
  ['SVG with script', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>')],
  ['PDF', Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF')],
  ['ZIP', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(256, 3)])],
  ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
  ['BMP', Buffer.concat([Buffer.from('BM', 'latin1'), Buffer.alloc(256, 4)])],
  ['plain text', Buffer.from('just some text, not an image')],
  ['truncated JPEG magic', Buffer.from([0xff, 0xd8])],
  ['Matroska (not WebM)', Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88]), Buffer.from('matroska'), Buffer.alloc(64)])],
  ['MP3', Buffer.concat([Buffer.from('ID3\x04\x00', 'latin1'), Buffer.alloc(256, 5)])],
];

export async function buildCorpus(ctx: CorpusContext): Promise<CorpusCase[]> {
  const cases: CorpusCase[] = [];
  const add = (category: string, name: string, spec: RequestSpec) => cases.push({ name: `${category}: ${name}`, category, spec });
  const flagsPath = (s: CorpusSession) => `/v1/sessions/${s.sessionId}/flags`;
  const flagPost = (body: string | Buffer, headers: Record<string, string> = {}): RequestSpec => ({
    method: 'POST',
    path: flagsPath(ctx.a),
    headers: { 'content-type': 'application/json', ...bearer(ctx.a.token), ...headers },
    body,
  });
  const sessionPost = (body: string | Buffer, headers: Record<string, string> = {}): RequestSpec => ({
    method: 'POST',
    path: '/v1/sessions',
    headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey), ...headers },
    body,
  });
  const good = { type: 'TAB_NOT_FOCUS', description: 'corpus' };

  // 1. Malformed JSON, to a widget route and an API-key route.
  MALFORMED_JSON.forEach((text, i) => add('malformed json', `flag #${i} ${json(text.slice(0, 24))}`, flagPost(text)));
  MALFORMED_JSON.forEach((text, i) => add('malformed json', `session #${i} ${json(text.slice(0, 24))}`, sessionPost(text)));

  // 2. Oversized bodies and fields.
  const big = ctx.limits.jsonBodyBytes;
  add('oversized', 'flag body over the JSON limit', flagPost(json({ ...good, description: 'x'.repeat(big + 10) })));
  add('oversized', 'flag body 4x the JSON limit', flagPost(json({ ...good, padding: 'y'.repeat(big * 4) })));
  add('oversized', 'session body over the JSON limit', sessionPost(json({ examId: 'e', candidateId: 'c', metadata: { pad: 'z'.repeat(big + 10) } })));
  add('oversized', 'description of 2001 characters', flagPost(json({ ...good, description: 'd'.repeat(2001) })));
  add('oversized', 'flag id of 129 characters', flagPost(json({ ...good, id: 'i'.repeat(129) })));
  add('oversized', 'details with 33 fields', flagPost(json({ ...good, details: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) })));
  add('oversized', 'details string of 201 characters', flagPost(json({ ...good, details: { note: 's'.repeat(201) } })));
  add('oversized', 'details key of 65 characters', flagPost(json({ ...good, details: { ['k'.repeat(65)]: 1 } })));
  add('oversized', 'type of 65 characters', flagPost(json({ type: 'T'.repeat(65) })));
  add('oversized', 'createdAt of 41 characters', flagPost(json({ ...good, createdAt: '2026-01-01T00:00:00.000Z' + ' '.repeat(17) })));
  add('oversized', 'examId of 201 characters', sessionPost(json({ examId: 'e'.repeat(201), candidateId: 'c' })));
  add('oversized', 'candidateId of 201 characters', sessionPost(json({ examId: 'e', candidateId: 'c'.repeat(201) })));
  add('oversized', 'metadata with 65 properties', sessionPost(json({ examId: 'e', candidateId: 'c', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`m${i}`, i])) })));
  add('oversized', 'Content-Length larger than the limit (declared)', flagPost(json(good), { 'content-length': String(big * 10) }));

  // 3. Wrong types and values in a flag.
  const wrong: [string, unknown][] = [
    ...[123, null, true, [], {}, 'NOT_AN_EVENT', '', 'tab_not_focus', '__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(
      (v) => [`type ${json(v)}`, { type: v }] as [string, unknown],
    ),
    ...[{}, [], '', '../x', '..', '.hidden', 'a/b', 'a\\b', 'a b', 'a\u0000b', '%2e%2e%2f', 'ünicode', '-leading-dash', 'x;rm -rf /'].map(
      (v) => [`id ${json(v)}`, { ...good, id: v }] as [string, unknown],
    ),
    ...[{}, []].map((v) => [`description ${json(v)}`, { ...good, description: v }] as [string, unknown]),
    ...['yesterday', {}, '2026-13-45T99:99:99Z', '', 'NaN', []].map((v) => [`createdAt ${json(v)}`, { ...good, createdAt: v }] as [string, unknown]),
    ...[[], 'str', 5, { a: {} }, { a: { b: 1 } }, true].map((v) => [`details ${json(v)}`, { ...good, details: v }] as [string, unknown]),
    ...['str', 5, [], true].map((v) => [`payload ${json(v)}`, { type: 'SET_CONFIG', payload: v }] as [string, unknown]),
    ['CALIBRATION_COMPLETED without payload', { type: 'CALIBRATION_COMPLETED' }],
    ['CALIBRATION_COMPLETED with array payload', { type: 'CALIBRATION_COMPLETED', payload: [1, 2] }],
    ...[[], 'str', 5, null, true, [good]].map((v) => [`body ${json(v)}`, v] as [string, unknown]),
    ['examId of another exam', { ...good, examId: 'another-exam' }],
    ['candidateId of another candidate', { ...good, candidateId: 'someone-else' }],
    ['sessionId of another session', { ...good, sessionId: ctx.b.sessionId }],
    ['sessionId of another tenant', { ...good, sessionId: ctx.other.sessionId }],
    ['__proto__ pollution attempt', JSON.parse('{"__proto__":{"admin":true},"type":"NOPE"}')],
  ];
  for (const [name, body] of wrong) add('wrong types', `flag ${name}`, flagPost(json(body)));
  const sessionWrong: [string, unknown][] = [
    ...[null, '', {}, [], 'a\u0001b'].map((v) => [`examId ${json(v)}`, { examId: v, candidateId: 'c' }] as [string, unknown]),
    ...[null, '', {}, [], 'a\u007fb'].map((v) => [`candidateId ${json(v)}`, { examId: 'e', candidateId: v }] as [string, unknown]),
    ...['str', 5, [], true].map((v) => [`metadata ${json(v)}`, { examId: 'e', candidateId: 'c', metadata: v }] as [string, unknown]),
    ['missing candidateId', { examId: 'e' }],
    ['missing examId', { candidateId: 'c' }],
    ['calibration as string', { examId: 'e', candidateId: 'c', calibration: 'x' }],
  ];
  for (const [name, body] of sessionWrong) add('wrong types', `session ${name}`, sessionPost(json(body)));
  const statusPath = `/v1/sessions/${ctx.a.sessionId}/status`;
  for (const body of [{ status: 'COMPLETED' }, { status: 'CREATED' }, { status: 'paused' }, { status: 5 }, {}, { status: 'PAUSED', reason: 'r'.repeat(501) }]) {
    add('wrong types', `status ${json(body)}`, { method: 'POST', path: statusPath, headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey) }, body: json(body) });
  }

  // 3b. Bounds (issue 11): JSON nesting on every route and in multipart fields, prototype keys in
  // multipart flags, dates that are not RFC 3339 or too far ahead, out-of-range measurements.
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const multipartFlag = (fields: Record<string, string>): RequestSpec => {
    const { body, contentType } = multipartBody(fields, []);
    return { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': contentType, ...bearer(ctx.a.token) }, body };
  };
  add('bounds', 'session metadata with 5,000 nested arrays', sessionPost(`{"examId":"e","candidateId":"c","metadata":{"m":${nested(5000)}}}`));
  add('bounds', 'flag payload 33 levels deep', flagPost(`{"type":"SET_CONFIG","payload":{"a":${nested(32)}}}`));
  add('bounds', 'status body 40 levels deep', { method: 'POST', path: `/v1/sessions/${ctx.a.sessionId}/status`, headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey) }, body: `{"status":${nested(40)}}` });
  add('bounds', 'webhook endpoint body 40 levels deep', { method: 'POST', path: '/v1/webhooks/endpoints', headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey) }, body: `{"url":${nested(40)}}` });
  add('bounds', 'multipart flag field 5,000 levels deep', multipartFlag({ flag: `{"type":"SET_CONFIG","payload":{"a":${nested(5000)}}}` }));
  add('bounds', 'multipart payload field 40 levels deep', multipartFlag({ type: 'SET_CONFIG', payload: `{"a":${nested(40)}}` }));
  add('bounds', 'multipart flag with __proto__', multipartFlag({ flag: '{"__proto__":{"admin":true},"type":"TAB_NOT_FOCUS"}' }));
  add('bounds', 'multipart flag with constructor.prototype', multipartFlag({ flag: '{"type":"SET_CONFIG","payload":{"constructor":{"prototype":{"admin":true}}}}' }));
  add('bounds', 'multipart details with __proto__', multipartFlag({ type: 'TAB_NOT_FOCUS', details: '{"__proto__":{"durationMs":1}}' }));
  add('bounds', 'session metadata with __proto__', sessionPost('{"examId":"e","candidateId":"c","metadata":{"__proto__":{"a":1}}}'));
  for (const createdAt of ['12', 'Tue Mar 03 2026', '2026-02-30T10:00:00Z', '2026-02-28T10:00:00', '2026-02-28T10:00:60Z', new Date(Date.now() + 24 * 3600_000).toISOString()]) {
    add('bounds', `createdAt ${createdAt}`, flagPost(json({ ...good, createdAt })));
    add('bounds', `multipart createdAt ${createdAt}`, multipartFlag({ flag: json({ ...good, createdAt }) }));
  }
  for (const details of [{ durationMs: -5000 }, { faceCount: -3 }, { confidence: 7 }, { durationMs: 1.5 }, { peakDb: 40 }, { peakDb: -1000 }, { countThisSession: -1 }]) {
    add('bounds', `details ${json(details)}`, flagPost(json({ type: 'MULTIPLE_FACE', details })));
    add('bounds', `multipart details ${json(details)}`, multipartFlag({ flag: json({ type: 'MULTIPLE_FACE', details }) }));
  }

  // 4. Forged, expired and mis-scoped tokens, on the flag route and the token refresh route.
  cases.push(...tokenCases(ctx, flagsPath, 'POST', json(good), 'forged token (flags)'));
  cases.push(...tokenCases(ctx, (s) => `/v1/sessions/${s.sessionId}/token`, 'POST', '{}', 'forged token (refresh)'));
  for (const [name, token] of await mintedTokens(ctx)) {
    add('minted token', `flags with ${name}`, { ...flagPost(json(good)), headers: { 'content-type': 'application/json', ...bearer(token) } });
    add('minted token', `refresh with ${name}`, { method: 'POST', path: `/v1/sessions/${ctx.a.sessionId}/token`, headers: { ...bearer(token) } });
  }

  // 5. Other tenants' ids and bad API keys.
  const apiGet = (path: string, key: string) => ({ method: 'GET' as const, path, headers: bearer(key) });
  add('other tenant', 'read a session of another tenant', apiGet(`/v1/sessions/${ctx.other.sessionId}`, ctx.apiKey));
  add('other tenant', 'other tenant reads our session', apiGet(`/v1/sessions/${ctx.a.sessionId}`, ctx.other.apiKey));
  add('other tenant', 'pause a session of another tenant', { method: 'POST', path: `/v1/sessions/${ctx.other.sessionId}/status`, headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey) }, body: json({ status: 'PAUSED' }) });
  add('other tenant', 'PATCH a session of another tenant', { method: 'PATCH', path: `/v1/sessions/${ctx.other.sessionId}`, headers: { 'content-type': 'application/json', ...bearer(ctx.apiKey) }, body: json({ status: 'STOPPED' }) });
  add('other tenant', 'post a flag to another tenant session with our token', { ...flagPost(json(good)), path: flagsPath(ctx.other) });
  add('other tenant', 'read an unknown session id', apiGet(`/v1/sessions/${randomUUID()}`, ctx.apiKey));
  add('other tenant', 'unknown API key', apiGet(`/v1/sessions/${ctx.a.sessionId}`, 'eye_live_' + 'A'.repeat(43)));
  add('other tenant', 'API key of 600 characters', apiGet(`/v1/sessions/${ctx.a.sessionId}`, 'k'.repeat(600)));
  add('other tenant', 'session token as API key', apiGet(`/v1/sessions/${ctx.a.sessionId}`, ctx.a.token));
  add('other tenant', 'X-Api-Key of another tenant', { method: 'GET', path: `/v1/sessions/${ctx.a.sessionId}`, headers: { 'x-api-key': ctx.other.apiKey } });
  add('other tenant', 'create a session without a key', { method: 'POST', path: '/v1/sessions', headers: { 'content-type': 'application/json' }, body: json({ examId: 'e', candidateId: 'c' }) });
  add('other tenant', 'create a session with a session token', sessionPost(json({ examId: 'e', candidateId: 'c' }), bearer(ctx.a.token)));

  // 6. Media whose bytes lie about the type, and broken multipart.
  const mp = (flag: unknown, files: Parameters<typeof multipartBody>[1], extraFields: Record<string, string> = {}): RequestSpec & { body: Buffer } => {
    const { body, contentType } = multipartBody({ flag: json(flag), ...extraFields }, files);
    return { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': contentType, ...bearer(ctx.a.token) }, body };
  };
  const jpeg = samplePhoto(1);
  const wav = makeWav(4096);
  for (const [name, bytes] of LYING_MEDIA) {
    add('lying media', `${name} sent as image/jpeg`, mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: 'snap.jpg', contentType: 'image/jpeg', data: bytes }]));
    add('lying media', `${name} sent as audio/webm`, mp({ type: 'SOUND_DETECTED' }, [{ field: 'mediaFile', filename: 'clip.webm', contentType: 'audio/webm', data: bytes }]));
  }
  add('lying media', 'WAV audio on FACE_ABSENCE', mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: wav }]));
  add('lying media', 'JPEG on SOUND_DETECTED', mp({ type: 'SOUND_DETECTED' }, [{ field: 'mediaFile', filename: 'a.webm', contentType: 'audio/webm', data: jpeg }]));
  add('lying media', 'JPEG on TAB_NOT_FOCUS (no media allowed)', mp({ type: 'TAB_NOT_FOCUS' }, [{ field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg }]));
  add('lying media', 'empty file', mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: Buffer.alloc(0) }]));
  add('lying media', 'two media files', mp({ type: 'FACE_ABSENCE' }, [
    { field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg },
    { field: 'mediaFile', filename: 'b.jpg', contentType: 'image/jpeg', data: jpeg },
  ]));
  add('lying media', 'file in a field other than mediaFile', mp({ type: 'FACE_ABSENCE' }, [{ field: 'file', filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg }]));
  add('lying media', 'path-like filename with ELF bytes', mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: '../../../../tmp/evil.jpg', contentType: 'image/jpeg', data: ELF_EXECUTABLE }]));
  add('lying media', 'image over the image limit', mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: 'big.jpg', contentType: 'image/jpeg', data: Buffer.concat([jpeg, Buffer.alloc(ctx.limits.imageBytes + 1 - jpeg.length)]) }]));
  add('lying media', 'audio over the file limit', mp({ type: 'SOUND_DETECTED' }, [{ field: 'mediaFile', filename: 'big.wav', contentType: 'audio/wav', data: makeWav(Math.max(ctx.limits.audioBytes, ctx.limits.imageBytes) + 4096) }]));
  add('lying media', 'flag field not JSON', mp('x', []));
  {
    const { body, contentType } = multipartBody({ flag: '{"type":' }, [{ field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg }]);
    add('lying media', 'flag field truncated JSON, valid JPEG', { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': contentType, ...bearer(ctx.a.token) }, body });
  }
  add('lying media', 'unexpected multipart field', mp({ type: 'FACE_ABSENCE' }, [], { evil: 'x' }));
  add('lying media', 'details field not JSON', (() => {
    const { body, contentType } = multipartBody({ type: 'FACE_ABSENCE', details: '{nope' }, []);
    return { method: 'POST' as const, path: flagsPath(ctx.a), headers: { 'content-type': contentType, ...bearer(ctx.a.token) }, body };
  })());
  add('lying media', '20 unexpected fields', mp({ type: 'FACE_ABSENCE' }, [], Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, 'x']))));
  add('lying media', 'multipart without boundary', { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': 'multipart/form-data', ...bearer(ctx.a.token) }, body: '--x\r\n' });
  add('lying media', 'multipart with wrong boundary', { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': 'multipart/form-data; boundary=abc', ...bearer(ctx.a.token) }, body: mp(good, []).body });
  add('lying media', 'multipart cut off mid-file', (() => {
    const s = mp({ type: 'FACE_ABSENCE' }, [{ field: 'mediaFile', filename: 'a.jpg', contentType: 'image/jpeg', data: jpeg }]);
    return { ...s, body: (s.body as Buffer).subarray(0, 2000) };
  })());
  add('lying media', 'JPEG posted as raw image/jpeg body', { method: 'POST', path: flagsPath(ctx.a), headers: { 'content-type': 'image/jpeg', ...bearer(ctx.a.token) }, body: jpeg });

  // 7. Path-like ids and signed-URL forgery.
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', '.', 'a%00b', '%252e%252e%252f', 'x'.repeat(300), `${ctx.a.sessionId}%2F..%2F${ctx.b.sessionId}`, `${ctx.a.sessionId}.json`, '..;']) {
    add('path-like id', `flags on session ${id.slice(0, 40)}`, { ...flagPost(json(good)), path: `/v1/sessions/${id}/flags` });
    add('path-like id', `read session ${id.slice(0, 40)}`, apiGet(`/v1/sessions/${id}`, ctx.apiKey));
  }
  const future = Math.floor(Date.now() / 1000) + 3600;
  for (const [name, path] of [
    ['media path traversal', `/v1/media/..%2F..%2Fetc%2Fpasswd?expires=${future}&sig=x`],
    ['media id with dots', `/v1/media/..?expires=${future}&sig=x`],
    ['media forged signature', `/v1/media/${randomUUID()}?expires=${future}&sig=${'0'.repeat(43)}`],
    ['media expired signature', `/v1/media/${randomUUID()}?expires=1&sig=x`],
    ['media without signature', `/v1/media/${randomUUID()}`],
    ['media huge expires', `/v1/media/${randomUUID()}?expires=99999999999999&sig=x`],
    ['asset path traversal', '/assets/mediapipe/wasm/..%2F..%2F..%2F..%2Fpackage.json'],
    ['asset encoded traversal', '/assets/mediapipe/wasm/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json'],
    ['asset absolute path', '/assets/mediapipe/wasm//etc/passwd'],
    ['unknown route', '/v1/../../etc/passwd'],
  ] as const) {
    add('path-like id', name, { method: 'GET', path });
  }

  // 8. Huge, broken and odd headers.
  add('headers', '20 KB header value', { ...flagPost(json(good)), headers: { ...flagPost('').headers, 'x-filler': 'h'.repeat(20_000) } });
  add('headers', '200 headers of 100 bytes', { ...flagPost(json(good)), headers: { ...flagPost('').headers, ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v'.repeat(100)])) } });
  add('headers', '17 KB Authorization', { ...flagPost(json(good)), headers: { 'content-type': 'application/json', authorization: 'Bearer ' + 'a'.repeat(17_000) } });
  add('headers', '30 KB cookie on an API route', { ...sessionPost(json({ examId: 'e', candidateId: 'c' })), headers: { ...sessionPost('').headers, cookie: 'c=' + 'c'.repeat(30_000) } });
  add('headers', 'text/plain body', flagPost(json(good), { 'content-type': 'text/plain' }));
  add('headers', 'application/xml body', flagPost('<flag type="TAB_NOT_FOCUS"/>', { 'content-type': 'application/xml' }));
  add('headers', 'form-urlencoded body', flagPost('type=TAB_NOT_FOCUS', { 'content-type': 'application/x-www-form-urlencoded' }));
  add('headers', 'no content type', { method: 'POST', path: flagsPath(ctx.a), headers: bearer(ctx.a.token), body: json(good) });
  const rawHead = (lines: string[], body = '') => Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1');
  const flagLine = `POST ${flagsPath(ctx.a)} HTTP/1.1`;
  const auth = `Authorization: Bearer ${ctx.a.token}`;
  const body = json(good);
  const raws: [string, Buffer][] = [
    ['Content-Length and Transfer-Encoding together', rawHead([flagLine, 'Host: x', auth, 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)],
    ['two different Content-Length headers', rawHead([flagLine, 'Host: x', auth, 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Content-Length: 3'], body)],
    ['negative Content-Length', rawHead([flagLine, 'Host: x', auth, 'Content-Type: application/json', 'Content-Length: -5'], body)],
    ['control character in a header', rawHead([flagLine, 'Host: x', auth, 'X-Evil: a\u0001b', 'Content-Type: application/json', `Content-Length: ${body.length}`], body)],
    ['header without a colon', rawHead([flagLine, 'Host: x', auth, 'NoColonHere', 'Content-Type: application/json', `Content-Length: ${body.length}`], body)],
    ['malformed request line', rawHead(['POST /v1/sessions HTTP/9.9 extra', 'Host: x'])],
    ['64 KB of header lines', rawHead([flagLine, 'Host: x', auth, ...Array.from({ length: 640 }, (_, i) => `X-${i}: ${'v'.repeat(96)}`), 'Content-Length: 0'])],
    ['bad chunk size', rawHead([flagLine, 'Host: x', auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n')],
  ];
  for (const [name, raw] of raws) cases.push({ name: `raw: ${name}`, category: 'raw http', raw });
  return cases;
}

/** Sends raw bytes and reads the answer until the server closes or 5 s pass. */
export function sendRaw(baseUrl: string, bytes: Buffer, timeoutMs = 5000): Promise<{ status: number; contentType: string; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) {
        reject(new Error(`no HTTP answer (${JSON.stringify(text.slice(0, 80))})`));
        return;
      }
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      let payload = text.slice(split + 4);
      const ct = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '';
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
      if (cl) payload = payload.slice(0, Number(cl));
      resolve({ status: Number(m[1]), contentType: ct, body: Buffer.from(payload, 'latin1').toString('utf8') });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      // One answer is enough: stop once the head and its declared body are in.
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))?.[1];
      if (split >= 0 && cl !== undefined && Buffer.byteLength(text.slice(split + 4), 'latin1') >= Number(cl)) finish();
    });
    sock.on('end', finish);
    sock.on('error', () => { finish(); });
    sock.on('connect', () => sock.write(bytes));
  });
}
