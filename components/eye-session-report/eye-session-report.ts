import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { dateTime, humanType, percent, statusTone } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import type { ReportFlag, ReportIncident, SessionReport } from '../console/types.js';
import { styles } from './eye-session-report.styles.js';

/**
 * A read-only report of one proctoring session: summary, risk score with the evidence behind it,
 * incidents with their status history, and the timeline of flags with snapshots and audio clips.
 *
 * On an LMS page: give it the relay, the session and a report token that the LMS backend got from
 * `POST /v1/sessions/{id}/report-token` with its API key (short-lived, read-only, one session):
 * `<eye-session-report relay-url="https://relay.example.edu" session-id="…" token="…">`.
 * In the review console the `report` property is set directly.
 *
 * @summary Read-only, printable session report.
 *
 * @attr relay-url - Base URL of the relay.
 * @attr session-id - The session to show.
 * @attr token - Report token for that session.
 * @attr no-incidents - Leave out the incidents section (the console shows its own, with actions).
 * @attr no-toolbar - Leave out the Print / Download JSON buttons.
 *
 * @fires eye-report-loaded - When a report was fetched; `detail` is the report.
 * @fires eye-report-error - When fetching failed; `detail` is `{ status, message }`.
 *
 * @csspart summary - The header with candidate, exam, status and risk.
 * @csspart timeline - The list of flags.
 */
export class EyeSessionReport extends LitElement {
  static override styles = [consoleStyles, styles];

  @property({ attribute: 'relay-url' }) relayUrl = '';
  @property({ attribute: 'session-id' }) sessionId = '';
  @property() token = '';
  @property({ type: Boolean, attribute: 'no-incidents' }) noIncidents = false;
  @property({ type: Boolean, attribute: 'no-toolbar' }) noToolbar = false;
  /** The report to show; fetched from the relay when `token` is set instead. */
  @property({ attribute: false }) report: SessionReport | null = null;

  @state() private error: string | null = null;
  @state() private loading = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('token') || changed.has('sessionId') || changed.has('relayUrl')) && this.token && this.sessionId) void this.load();
  }

  /** Fetches the report with the token (also to refresh expired media URLs). */
  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const base = this.relayUrl.replace(/\/+$/, '');
      const res = await fetch(`${base}/v1/reports/${encodeURIComponent(this.sessionId)}`, { headers: { authorization: `Bearer ${this.token}` } });
      const body = (await res.json().catch(() => null)) as (SessionReport & { message?: string }) | null;
      if (!res.ok || !body) {
        this.error = body?.message ?? `the relay answered ${res.status}`;
        this.dispatchEvent(new CustomEvent('eye-report-error', { detail: { status: res.status, message: this.error }, bubbles: true, composed: true }));
        return;
      }
      this.report = body;
      this.dispatchEvent(new CustomEvent('eye-report-loaded', { detail: body, bubbles: true, composed: true }));
    } catch (err) {
      this.error = `the relay could not be reached (${(err as Error).message})`;
      this.dispatchEvent(new CustomEvent('eye-report-error', { detail: { status: 0, message: this.error }, bubbles: true, composed: true }));
    } finally {
      this.loading = false;
    }
  }

  #downloadJson(): void {
    if (!this.report) return;
    const url = URL.createObjectURL(new Blob([JSON.stringify(this.report, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `eye-session-${this.report.id}.json`;
    a.click();
    setTimeout(() => { URL.revokeObjectURL(url); }, 1000);
  }

  override render() {
    if (this.error) return html`<p class="error" role="alert">Report unavailable: ${this.error}</p>`;
    const r = this.report;
    if (!r) return html`<p class="muted" role="status">${this.loading ? 'Loading the report…' : 'No report.'}</p>`;
    const counts = Object.entries(r.events_summary).filter(([, n]) => n > 0);
    // The enrollment photo, shown beside each face-mismatch frame for comparison.
    const enrolled = r.flags.findLast((f) => f.type === 'IDENTITY_ENROLLED' && f.media_url)?.media_url ?? null;
    return html`
      <article aria-label="Session report for ${r.candidate_id}">
        <header class="summary card" part="summary">
          <h2>Candidate ${r.candidate_id}</h2>
          <span class="badge ${statusTone(r.status)}">${r.status}</span>
          <span><span class="risk">${percent(r.risk.score)}</span> risk <span class="badge ${statusTone(r.risk.level)}">${r.risk.level}</span></span>
          ${this.noToolbar
            ? nothing
            : html`<span class="toolbar">
                <button type="button" class="secondary" @click=${() => { window.print(); }}>Print</button>
                <button type="button" class="secondary" @click=${() => { this.#downloadJson(); }}>Download JSON</button>
              </span>`}
          <dl>
            <dt>Exam</dt><dd>${r.exam_id}</dd>
            <dt>Session</dt><dd class="mono">${r.id}</dd>
            <dt>Started</dt><dd>${dateTime(r.started_at)}</dd>
            <dt>Ended</dt><dd>${dateTime(r.ended_at)}${r.exit_reason ? ` (${r.exit_reason})` : ''}</dd>
            <dt>Events</dt><dd>${counts.length ? counts.map(([k, n]) => `${humanType(k)}: ${n}`).join(' · ') : 'none'}</dd>
          </dl>
        </header>
        <section class="card" aria-labelledby="risk-h">
          <h3 id="risk-h">Risk evidence</h3>
          <p class="muted">
            Escalation at ${percent(r.risk.escalationThreshold)}, critical at ${percent(r.risk.criticalThreshold)}; each flag counts its
            weight, halved every 15 minutes (evaluated ${dateTime(r.risk.evaluatedAt)}).
          </p>
          ${r.risk.evidence.length
            ? html`<div class="scroll"><table>
                <thead><tr><th scope="col">Flag</th><th scope="col">When</th><th scope="col">Weight</th><th scope="col">Counts now</th></tr></thead>
                <tbody>${r.risk.evidence.map((e) => html`<tr><td>${humanType(e.type)}</td><td>${dateTime(e.at)}</td><td>${e.weight}</td><td>${e.contribution}</td></tr>`)}</tbody>
              </table></div>`
            : html`<p>No flag adds to the risk.</p>`}
        </section>
        ${this.noIncidents ? nothing : this.#incidents(r.incidents)}
        <section class="card" aria-labelledby="timeline-h">
          <h3 id="timeline-h">Timeline (${r.flags.length})</h3>
          <ol class="timeline" part="timeline">${r.flags.map((f) => this.#flag(f, enrolled))}</ol>
        </section>
      </article>
    `;
  }

  #incidents(incidents: ReportIncident[]) {
    return html`<section class="card" aria-labelledby="incidents-h">
      <h3 id="incidents-h">Incidents (${incidents.length})</h3>
      ${incidents.length === 0
        ? html`<p>No incidents.</p>`
        : incidents.map(
            (i) => html`<div>
              <strong>${i.description}</strong>
              <span class="badge ${statusTone(i.severity)}">${i.severity}</span>
              <span class="badge ${statusTone(i.status)}">${i.status}</span>
              <ol class="history">
                ${i.history.map((h) => html`<li>${dateTime(h.at)}: ${h.status} by ${h.actor}${h.notes ? html` — “${h.notes}”` : nothing}</li>`)}
              </ol>
            </div>`,
          )}
    </section>`;
  }

  #flag(f: ReportFlag, enrolled: string | null) {
    const type = f.media?.content_type ?? '';
    const label = `${humanType(f.type)} at ${dateTime(f.created_at)}`;
    const media = !f.media_url
      ? nothing
      : type.startsWith('audio/')
        ? html`<audio controls preload="metadata" src=${f.media_url} aria-label="Audio clip: ${label}"></audio>`
        : html`<a href=${f.media_url} target="_blank" rel="noopener"><img src=${f.media_url} alt="Snapshot: ${label}" loading="lazy" /></a>`;
    return html`<li data-flag-type=${f.type}>
      <time datetime=${f.created_at}>${new Date(f.created_at).toLocaleTimeString()}</time>
      <div>
        <strong>${humanType(f.type)}</strong>${f.description && f.description !== f.type ? html`: ${f.description}` : nothing}
        ${f.type === 'FACE_MISMATCH' && enrolled && f.media_url
          ? html`<div class="compare">${media}<img src=${enrolled} alt="Enrollment photo of the candidate, for comparison" loading="lazy" /></div>`
          : media}
      </div>
    </li>`;
  }
}
