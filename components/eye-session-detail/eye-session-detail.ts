import { css, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import '../eye-session-report/define.js';
import { ConsolePageElement } from '../console/console-page-element.js';
import { dateTime, statusTone } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import { ENDED, type ReportIncident, type SessionDetail } from '../console/types.js';

type Directive = 'pause' | 'resume' | 'end';

/**
 * One session for a reviewer: the report (risk evidence, timeline with snapshots and audio clips)
 * plus what a reviewer does: pause / resume / end the session, resolve, dismiss or reopen
 * incidents with notes (each change sends incident.instance.updated), and the audit log of every
 * reviewer action on the session.
 *
 * @summary Session detail of the review console.
 * @fires eye-back - The reviewer wants the list again.
 */
export class EyeSessionDetail extends ConsolePageElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: block; }
      .incident { border-top: 1px solid #d8dee4; padding: 0.6rem 0; }
      .incident textarea { width: min(100%, 36rem); min-height: 2.6rem; }
      .layout { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1rem; }
      @media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); } }
      .history { margin: 0.25rem 0; padding-left: 1.1rem; font-size: 0.9rem; }
    `,
  ];

  @property({ attribute: 'session-id' }) sessionId = '';
  @state() private detail: SessionDetail | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId') && this.sessionId) void this.reload();
  }

  reload(): Promise<void> {
    return this.load(async () => {
      this.detail = await this.api.request<SessionDetail>('GET', `/sessions/${encodeURIComponent(this.sessionId)}`);
    });
  }

  #directive(action: Directive): void {
    if (action === 'end' && !confirm('End this session now? The candidate’s monitoring stops.')) return;
    void this.act(`Session ${action === 'end' ? 'ended' : action === 'pause' ? 'paused' : 'resumed'}.`, () =>
      this.api.request('POST', `/sessions/${this.sessionId}/directive`, { action }),
    );
  }

  #changeIncident(i: ReportIncident, status: string): void {
    const notes = this.renderRoot.querySelector<HTMLTextAreaElement>(`#notes-${i.id}`)?.value.trim();
    void this.act(`Incident ${status.toLowerCase()}.`, () =>
      this.api.request('PATCH', `/incidents/${encodeURIComponent(i.id)}`, { status, ...(notes ? { resolution_notes: notes } : {}) }),
    );
  }

  override render() {
    const back = html`<a href="#/sessions" @click=${(e: Event) => {
      e.preventDefault();
      this.dispatchEvent(new CustomEvent('eye-back', { bubbles: true, composed: true }));
    }}>← All sessions</a>`;
    if (!this.detail) return html`${back}${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p role="status">Loading…</p>`}`;
    const d = this.detail;
    const ended = ENDED.includes(d.status);
    return html`
      <div class="row">${back}</div>
      <div class="row card" role="group" aria-label="Session actions">
        <span>Session <span class="badge ${statusTone(d.status)}" data-status=${d.status}>${d.status}</span></span>
        ${d.status === 'PAUSED'
          ? html`<button type="button" ?disabled=${this.busy} @click=${() => { this.#directive('resume'); }}>Resume</button>`
          : html`<button type="button" ?disabled=${this.busy || ended} @click=${() => { this.#directive('pause'); }}>Pause</button>`}
        <button type="button" class="secondary" ?disabled=${this.busy || ended} @click=${() => { this.#directive('end'); }}>End session</button>
        <a class="button secondary" href="/console/api/sessions/${d.id}/export.json" download>Export JSON</a>
        <a class="button secondary" href="#/report/${d.id}">Printable report</a>
      </div>
      <p role="status" class="muted">${this.notice}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="layout">
        <eye-session-report .report=${d} no-incidents no-toolbar></eye-session-report>
        <div>
          <section class="card" aria-labelledby="inc-h">
            <h2 id="inc-h">Incidents (${d.incidents.length})</h2>
            ${d.incidents.length === 0 ? html`<p>No incidents.</p>` : d.incidents.map((i) => this.#incident(i))}
          </section>
          <section class="card" aria-labelledby="audit-h">
            <h2 id="audit-h">Audit log</h2>
            ${d.audit.length === 0
              ? html`<p>No reviewer actions yet.</p>`
              : html`<div class="scroll"><table data-audit>
                  <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th></tr></thead>
                  <tbody>${d.audit.map((a) => html`<tr><td>${dateTime(a.at)}</td><td>${a.actor.email ?? a.actor.type}</td><td>${a.action}</td></tr>`)}</tbody>
                </table></div>`}
          </section>
        </div>
      </div>
    `;
  }

  #incident(i: ReportIncident) {
    const open = i.status === 'TRIGGERED' || i.status === 'REOPENED';
    return html`<div class="incident" data-incident-id=${i.id}>
      <strong>${i.description}</strong>
      <span class="badge ${statusTone(i.severity)}">${i.severity}</span>
      <span class="badge ${statusTone(i.status)}" data-incident-status>${i.status}</span>
      <ol class="history">${i.history.map((h) => html`<li>${dateTime(h.at)}: ${h.status} by ${h.actor}${h.notes ? html` — “${h.notes}”` : nothing}</li>`)}</ol>
      <label>Notes<textarea id="notes-${i.id}" maxlength="4000"></textarea></label>
      <div class="row">
        ${open
          ? html`<button type="button" ?disabled=${this.busy} @click=${() => { this.#changeIncident(i, 'RESOLVED'); }}>Resolve</button>
              <button type="button" class="secondary" ?disabled=${this.busy} @click=${() => { this.#changeIncident(i, 'DISMISSED'); }}>Dismiss</button>`
          : html`<button type="button" class="secondary" ?disabled=${this.busy} @click=${() => { this.#changeIncident(i, 'REOPENED'); }}>Reopen</button>`}
      </div>
    </div>`;
  }
}
