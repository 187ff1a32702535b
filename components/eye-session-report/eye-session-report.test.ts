import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { createRelaySession, makeJpeg, relayApi, relayUrl } from '../../test/e2e/relay-commands.js';
import type { SessionReport } from '../console/types.js';
import './define.js';
import { EyeSessionReport } from './eye-session-report.js';

const REPORT: SessionReport = {
  id: '00000000-0000-4000-8000-000000000001',
  exam_id: 'final-2026',
  candidate_id: 'cand-42',
  status: 'COMPLETED',
  started_at: '2026-01-01T10:00:00.000Z',
  ended_at: '2026-01-01T11:00:00.000Z',
  exit_reason: 'completed',
  created_at: '2026-01-01T09:59:00.000Z',
  events_summary: { multiple_faces: 1, audio_anomalies: 1, tab_switches: 0 },
  flags: [
    { id: 'f1', type: 'MULTIPLE_FACE', description: 'Two faces', created_at: '2026-01-01T10:10:00.000Z', details: null, media: { id: 'm1', content_type: 'image/jpeg', size: 10, sha256: 'x' }, media_url: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' },
    { id: 'f2', type: 'SOUND_DETECTED', description: 'Voices', created_at: '2026-01-01T10:20:00.000Z', details: null, media: { id: 'm2', content_type: 'audio/wav', size: 10, sha256: 'y' }, media_url: 'data:audio/wav;base64,' },
  ],
  risk: { score: 0.62, level: 'normal', evaluatedAt: '2026-01-01T10:20:00.000Z', escalationThreshold: 0.7, criticalThreshold: 0.9, evidence: [{ flagId: 'f1', type: 'MULTIPLE_FACE', at: '2026-01-01T10:10:00.000Z', weight: 0.8, contribution: 0.5 }] },
  incidents: [
    {
      id: 'inc_1',
      rule: 'MULTIPLE_FACES',
      description: 'More than one face was visible on camera',
      status: 'RESOLVED',
      severity: 'HIGH',
      start_time: '2026-01-01T10:10:00.000Z',
      end_time: '2026-01-01T10:30:00.000Z',
      resolution_notes: 'a proctor',
      history: [
        { at: '2026-01-01T10:10:00.000Z', status: 'TRIGGERED', fromStatus: null, severity: 'HIGH', notes: null, actor: 'rule MULTIPLE_FACES' },
        { at: '2026-01-01T10:30:00.000Z', status: 'RESOLVED', fromStatus: 'TRIGGERED', severity: 'HIGH', notes: 'a proctor', actor: 'lead@uni.example' },
      ],
    },
  ],
  generated_at: '2026-01-01T12:00:00.000Z',
};

describe('<eye-session-report>', () => {
  it('shows the summary, risk evidence, incident history and the timeline with snapshot and audio; accessible', async () => {
    const el = await fixture<EyeSessionReport>(html`<eye-session-report .report=${REPORT}></eye-session-report>`);
    const root = el.shadowRoot!;
    expect(root.querySelector('h2')!.textContent).to.contain('cand-42');
    expect(root.textContent).to.contain('62%');
    expect(root.querySelectorAll('ol.timeline li')).to.have.length(2);
    expect(root.querySelector('ol.timeline img')!.getAttribute('alt')).to.match(/^Snapshot: multiple face/);
    expect(root.querySelector('ol.timeline audio')!.hasAttribute('controls')).to.equal(true);
    expect(root.querySelector('.history')!.textContent).to.contain('RESOLVED by lead@uni.example');
    await expect(el).to.be.accessible();
  });

  it('shows the enrollment photo beside a face-mismatch frame', async () => {
    const gif = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    const flags = [
      { ...REPORT.flags[0]!, id: 'e', type: 'IDENTITY_ENROLLED', media_url: `${gif}#enrolled` },
      { ...REPORT.flags[0]!, id: 'm', type: 'FACE_MISMATCH', media_url: `${gif}#mismatch` },
    ];
    const el = await fixture<EyeSessionReport>(html`<eye-session-report .report=${{ ...REPORT, flags }}></eye-session-report>`);
    const pair = [...el.shadowRoot!.querySelectorAll('li[data-flag-type=FACE_MISMATCH] img')].map((i) => i.getAttribute('src'));
    expect(pair).to.deep.equal([`${gif}#mismatch`, `${gif}#enrolled`]);
  });

  it('leaves out incidents and the toolbar when asked (the console shows its own)', async () => {
    const el = await fixture<EyeSessionReport>(html`<eye-session-report .report=${REPORT} no-incidents no-toolbar></eye-session-report>`);
    expect(el.shadowRoot!.querySelector('#incidents-h')).to.equal(null);
    expect(el.shadowRoot!.querySelector('.toolbar')).to.equal(null);
  });

  it('on an LMS page (another origin): loads the report from the relay with a report token; refuses a bad token', async () => {
    const base = await relayUrl();
    const session = await createRelaySession('exam-report', 'cand-report');
    const flag = { id: crypto.randomUUID(), type: 'MULTIPLE_FACE', examId: session.examId, candidateId: session.candidateId, description: 'two', createdAt: new Date().toISOString() };
    const form = new FormData();
    form.set('flag', JSON.stringify(flag));
    form.set('mediaFile', await makeJpeg(3));
    const posted = await fetch(`${base}/v1/sessions/${session.sessionId}/flags`, { method: 'POST', body: form, headers: { authorization: `Bearer ${session.token}` } });
    expect(posted.status).to.equal(201);
    const issued = await relayApi<{ token: string }>('POST', `/v1/sessions/${session.sessionId}/report-token?ttl_seconds=300`);
    expect(issued.status).to.equal(201);

    const el = new EyeSessionReport(); // defined by ./define.js: the same as createElement('eye-session-report')
    const loaded = oneEvent(el, 'eye-report-loaded');
    Object.assign(el, { relayUrl: base, sessionId: session.sessionId, token: issued.body.token });
    document.body.append(el);
    const report = (await loaded).detail as SessionReport;
    expect(report.id).to.equal(session.sessionId);
    await el.updateComplete;
    const img = el.shadowRoot!.querySelector('ol.timeline img') as HTMLImageElement;
    await img.decode();
    expect(img.naturalWidth).to.equal(160);
    expect(report.incidents[0]!.rule).to.equal('MULTIPLE_FACES');

    const failed = oneEvent(el, 'eye-report-error');
    el.token = `${issued.body.token.slice(0, -3)}abc`;
    expect(((await failed).detail as { status: number }).status).to.equal(401);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).to.contain('Report unavailable');
    el.remove();
  });
});
