import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { errorMessage } from '../../src/errors.js';
import { axeViolations, consoleText, inConsole, setViewport, signIn } from './console-page.js';
import { closePage, createRelaySession, evalInPage, eventually, makeJpeg, openPage, relayApi, relayUrl, startRelay, startReceiver, waitForWebhook, type RelaySession } from './relay-commands.js';

/*
 * The review console in real Chromium at tablet width (768 px), on a relay with a real webhook
 * receiver: a reviewer signs in, finds a session by candidate, sees its snapshot and plays its
 * audio clip (the bytes are fetched), resolves its incident with a note, and the receiver gets the
 * verified incident.instance.updated. A reviewer of another tenant never sees that session. Every
 * page is axe clean.
 */

/** A short 16-bit mono PCM WAV (a 440 Hz tone): the relay accepts WAV for SOUND_DETECTED. */
function makeWav(ms = 400, rate = 8000): File {
  const n = Math.round((rate * ms) / 1000);
  const view = new DataView(new ArrayBuffer(44 + n * 2));
  const ascii = (at: number, s: string) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + n * 2, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) view.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
  return new File([view.buffer], 'clip.wav', { type: 'audio/wav' });
}

async function postFlag(base: string, s: RelaySession & { examId: string; candidateId: string }, type: string, media?: File): Promise<void> {
  const flag = { id: crypto.randomUUID(), type, examId: s.examId, candidateId: s.candidateId, description: `${type} e2e`, createdAt: new Date().toISOString() };
  const init: RequestInit = media
    ? { body: (() => { const f = new FormData(); f.set('flag', JSON.stringify(flag)); f.set('mediaFile', media); return f; })() }
    : { body: JSON.stringify(flag), headers: { 'content-type': 'application/json' } };
  const res = await fetch(`${base}/v1/sessions/${s.sessionId}/flags`, { method: 'POST', ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${s.token}` } });
  if (res.status !== 201) throw new Error(`flag ${type}: HTTP ${res.status} ${await res.text()}`);
}

const PASSWORD = 'e2e reviewer password';

describe('review console end to end (Chromium, 768 px)', function () {
  this.timeout(180_000);
  let base: string;
  const opened: number[] = [];

  before(async function () {
    this.timeout(420_000); // may build the console bundle first
    await eventually(async () => (await executeServerCommand<{ ready: boolean }, unknown>('eye-relay:bundles')).ready, 400_000, 500);
    base = await relayUrl();
    await startReceiver();
  });
  afterEach(async () => {
    while (opened.length) await closePage(opened.pop()!);
  });

  const openConsole = async (tenantId: string) => {
    const handle = await openPage(`${base}/console/?tenant=${encodeURIComponent(tenantId)}`, true);
    opened.push(handle);
    await setViewport(handle, 768, 1024);
    await eventually(async () => (await inConsole<number>(handle, { do: 'count', sel: 'form.sign-in, header.bar' })) > 0);
    return handle;
  };
  const expectAxeClean = async (handle: number, page: string) => {
    const violations = await axeViolations(handle);
    expect(violations, `${page}: ${JSON.stringify(violations, null, 1)}`).to.deep.equal([]);
  };

  it('signs in, finds a session, shows its evidence, resolves its incident: verified incident.instance.updated at the receiver', async () => {
    const tenantId = (await startRelay()).tenantId;
    const email = `lead-${Date.now()}@uni.example`;
    const created = await relayApi('POST', '/v1/reviewers', { email, role: 'admin', password: PASSWORD });
    expect(created.status).to.equal(201);
    const candidate = `cand-console-${Math.random().toString(36).slice(2, 8)}`;
    const session = await createRelaySession('exam-console', candidate);
    await postFlag(base, session, 'STARTED');
    const jpeg = await makeJpeg(7);
    const wav = makeWav();
    await postFlag(base, session, 'MULTIPLE_FACE', jpeg);
    await postFlag(base, session, 'SOUND_DETECTED', wav);

    const page = await openConsole(tenantId);
    await expectAxeClean(page, 'sign-in');
    await signIn(page, email, PASSWORD);
    await eventually(async () => (await inConsole<number>(page, { do: 'count', sel: 'tr[data-session-id]' })) > 0, 20_000);
    await eventually(async () => /live/.test(await consoleText(page, '[data-live]')), 20_000);

    // Search by candidate, open the session.
    await inConsole(page, { do: 'fill', sel: 'form[role=search] input[name=q]', value: candidate });
    await inConsole(page, { do: 'submit', sel: 'form[role=search]' });
    await eventually(async () => (await inConsole<number>(page, { do: 'count', sel: 'tr[data-session-id]' })) === 1);
    expect(await consoleText(page, 'tr[data-session-id]')).to.contain(candidate);
    expect(await inConsole<number>(page, { do: 'overflow' }), 'no horizontal scrolling at 768 px').to.be.at.most(0);
    await expectAxeClean(page, 'sessions list');
    await inConsole(page, { do: 'click', sel: `tr[data-session-id="${session.sessionId}"] a` });
    await eventually(async () => (await inConsole<number>(page, { do: 'count', sel: '[data-incident-id]' })) === 1, 20_000);

    // Evidence: the snapshot decodes, the audio clip loads as playable, both with the uploaded bytes.
    const media = await inConsole<{ img: { width: number; bytes: number }[]; audio: { readyState: number; duration: number; error: number | null; bytes: number }[] }>(page, { do: 'media' });
    expect(media.img).to.have.length(1);
    expect(media.img[0]!.width).to.equal(160);
    expect(media.img[0]!.bytes).to.equal(jpeg.size);
    expect(media.audio).to.have.length(1);
    expect(media.audio[0]!.error).to.equal(null);
    expect(media.audio[0]!.readyState).to.be.at.least(1);
    expect(media.audio[0]!.duration).to.be.closeTo(0.4, 0.05);
    expect(media.audio[0]!.bytes).to.equal(wav.size);
    expect(await consoleText(page, 'eye-session-report')).to.match(/Risk evidence/);
    expect(await inConsole<number>(page, { do: 'overflow' }), 'no horizontal scrolling at 768 px').to.be.at.most(0);
    await expectAxeClean(page, 'session detail');

    // Resolve the incident with a note.
    await inConsole(page, { do: 'fill', sel: '[data-incident-id] textarea', value: 'second person was a proctor' });
    await inConsole(page, { do: 'click', sel: '[data-incident-id] button' }); // "Resolve" comes first
    await eventually(async () => (await consoleText(page, '[data-incident-status]')) === 'RESOLVED', 20_000);
    expect(await consoleText(page, '[data-incident-id] .history')).to.contain(`RESOLVED by ${email}`);
    expect(await consoleText(page, 'table[data-audit]')).to.contain('incident.updated');

    const hook = await waitForWebhook('incident.instance.updated', { sessionId: session.sessionId }, 15_000);
    expect(hook.verified.standard, 'Standard Webhooks signature').to.equal(true);
    expect(hook.verified.classic, `X-Eye-Signature: ${hook.verified.classicReason}`).to.equal(true);
    const incident = hook.envelope.data.incident as { status: string; resolution_notes: string };
    expect(incident.status).to.equal('RESOLVED');
    expect(incident.resolution_notes).to.equal('second person was a proctor');

    // The printable report of the same session.
    await inConsole(page, { do: 'click', sel: 'a[href^="#/report/"]' });
    await eventually(async () => /Timeline \(3\)/.test(await consoleText(page, 'eye-session-report')), 20_000);
    await expectAxeClean(page, 'printable report');

    // Admin pages: the receiver's endpoint with its delivery log, and the accounts.
    await evalInPage(page, () => (location.hash = '#/webhooks'));
    await eventually(async () => /incident\.instance\.updated/.test(await consoleText(page, 'tr[data-delivery-id]')), 20_000);
    expect(await inConsole<number>(page, { do: 'overflow' }), 'no horizontal scrolling at 768 px').to.be.at.most(0);
    await expectAxeClean(page, 'webhooks');
    await evalInPage(page, () => (location.hash = '#/accounts'));
    await eventually(async () => (await consoleText(page, 'eye-reviewer-admin')).includes(email), 20_000);
    await expectAxeClean(page, 'accounts');
  });

  it("keeps tenant B's reviewer away from tenant A's sessions", async () => {
    const a = await createRelaySession('exam-console', `cand-a-${Math.random().toString(36).slice(2, 8)}`);
    const b = await executeServerCommand<{ tenantId: string; apiKey: string }, unknown>('eye-relay:tenant', { name: 'tenant B' });
    const email = `b-${Date.now()}@other.example`;
    const made = await executeServerCommand<{ status: number }, unknown>('eye-relay:api-as', { apiKey: b.apiKey, method: 'POST', path: '/v1/reviewers', body: { email, role: 'admin', password: PASSWORD } });
    expect(made.status).to.equal(201);
    const page = await openConsole(b.tenantId);
    await signIn(page, email, PASSWORD);
    await eventually(async () => /No sessions match/.test(await consoleText(page, 'eye-console')), 20_000).catch(async (err: unknown) => {
      throw new Error(`${errorMessage(err)}; page shows: ${await consoleText(page, 'eye-console')}`);
    });
    expect(await consoleText(page, 'eye-session-list')).to.not.contain(a.candidateId);
    const status = await evalInPage<number>(page, (async (id: string) => (await fetch(`/console/api/sessions/${id}`)).status), a.sessionId);
    expect(status.result).to.equal(404);
  });
});
