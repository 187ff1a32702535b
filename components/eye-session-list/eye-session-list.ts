import { css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { ConsolePageElement } from '../console/console-page-element.js';
import { dateTime, formText, percent, statusTone } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import { SESSION_STATUSES, type SessionListPage, type SessionListQuery, type SessionSummary } from '../console/types.js';
import { LiveSessionsController } from '../controllers/live-sessions-controller.js';

const COLUMNS: { key: string; label: string }[] = [
  { key: 'candidate_id', label: 'Candidate' },
  { key: 'exam_id', label: 'Exam' },
  { key: 'status', label: 'Status' },
  { key: 'risk_score', label: 'Risk' },
  { key: 'created_at', label: 'Created' },
];

/**
 * The sessions of the reviewer's tenant: filter by exam, status, risk and date, search by
 * candidate, sort by any column, page through; sessions that change (in progress, paused, ended,
 * risk) update in place from the live feed, and new ones appear without a reload.
 *
 * @summary Sessions list of the review console.
 * @fires eye-open-session - A session was chosen; `detail` is `{ id }`.
 */
export class EyeSessionList extends ConsolePageElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: block; }
      form { margin-bottom: 0.75rem; }
      form input[type='search'] { min-width: 12rem; }
      form input[type='number'] { width: 5rem; }
      th button { all: unset; cursor: pointer; font-weight: 600; }
      th button:focus-visible { outline: 3px solid #0969da; }
      .pager { display: flex; gap: 0.5rem; align-items: center; margin-top: 0.5rem; }
      td a { font-weight: 600; }
    `,
  ];

  @state() private query: SessionListQuery = { sort: 'created_at', order: 'desc', page: 1, page_size: 25 };
  @state() private page: SessionListPage | null = null;
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  readonly live = new LiveSessionsController(this, (since) => this.api.liveUrl(since), (s) => { this.#onLive(s); });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#reloadTimer);
  }

  reload(): Promise<void> {
    return this.load(async () => {
      this.page = await this.api.sessions(this.query);
    });
  }

  /** A changed session: replace its row; a session not on this page may belong here, so ask again (debounced). */
  #onLive(s: SessionSummary): void {
    const rows = this.page?.sessions;
    const i = rows?.findIndex((r) => r.id === s.id) ?? -1;
    if (this.page && rows && i >= 0) {
      this.page = { ...this.page, sessions: rows.map((r, j) => (j === i ? s : r)) };
      return;
    }
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => void this.reload(), 500);
  }

  #applyFilters(e: SubmitEvent): void {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const text = (name: string) => formText(f, name).trim() || undefined;
    const num = (name: string) => (text(name) === undefined ? undefined : Number(text(name)) / 100);
    const date = (name: string, end = false) => (text(name) ? new Date(`${text(name)}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : undefined);
    this.query = {
      ...this.query,
      q: text('q'),
      exam_id: text('exam_id'),
      status: text('status'),
      risk_min: num('risk_min'),
      risk_max: num('risk_max'),
      from: date('from'),
      to: date('to', true),
      page: 1,
    };
    void this.reload();
  }

  #sortBy(key: string): void {
    const order = this.query.sort === key && this.query.order === 'desc' ? 'asc' : 'desc';
    this.query = { ...this.query, sort: key, order, page: 1 };
    void this.reload();
  }

  #goTo(page: number): void {
    this.query = { ...this.query, page };
    void this.reload();
  }

  #open(e: Event, id: string): void {
    e.preventDefault();
    this.dispatchEvent(new CustomEvent('eye-open-session', { detail: { id }, bubbles: true, composed: true }));
  }

  override render() {
    const p = this.page;
    const pages = p ? Math.max(1, Math.ceil(p.total / p.page_size)) : 1;
    const liveText = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', off: 'not live' }[this.live.state];
    return html`
      <section aria-labelledby="sessions-h">
        <div class="row">
          <h2 id="sessions-h">Sessions</h2>
          <span class="badge ${this.live.state === 'live' ? 'ok' : 'warn'}" role="status" data-live=${this.live.state}>Updates: ${liveText}</span>
        </div>
        <form class="row card" role="search" aria-label="Filter sessions" @submit=${this.#applyFilters}>
          <label>Candidate<input type="search" name="q" placeholder="candidate id" /></label>
          <label>Exam<input name="exam_id" /></label>
          <label>Status
            <select name="status">
              <option value="">any</option>
              <option value="IN_PROGRESS,PAUSED">live (in progress or paused)</option>
              ${SESSION_STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
            </select>
          </label>
          <label>Risk from %<input type="number" name="risk_min" min="0" max="100" /></label>
          <label>Risk to %<input type="number" name="risk_max" min="0" max="100" /></label>
          <label>Created from<input type="date" name="from" /></label>
          <label>Created to<input type="date" name="to" /></label>
          <button type="submit">Apply</button>
        </form>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <div class="scroll card">
          <table>
            <caption class="visually-hidden">Sessions, ${p?.total ?? 0} in all</caption>
            <thead>
              <tr>
                ${COLUMNS.map((c) => {
                  const sorted = this.query.sort === c.key ? (this.query.order === 'asc' ? 'ascending' : 'descending') : 'none';
                  return html`<th scope="col" aria-sort=${sorted}><button type="button" @click=${() => { this.#sortBy(c.key); }}>${c.label}${sorted === 'none' ? '' : sorted === 'ascending' ? ' ▲' : ' ▼'}</button></th>`;
                })}
              </tr>
            </thead>
            <tbody>
              ${p?.sessions.map(
                (s) => html`<tr data-session-id=${s.id}>
                  <td><a href="#/sessions/${s.id}" @click=${(e: Event) => { this.#open(e, s.id); }}>${s.candidate_id}</a></td>
                  <td>${s.exam_id}</td>
                  <td><span class="badge ${statusTone(s.status)}">${s.status}</span></td>
                  <td>${percent(s.risk_score)}</td>
                  <td>${dateTime(s.created_at)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${p && p.sessions.length === 0 ? html`<p>No sessions match.</p>` : nothing}
        </div>
        <nav class="pager" aria-label="Pages">
          <button type="button" class="secondary" ?disabled=${this.query.page <= 1} @click=${() => { this.#goTo(this.query.page - 1); }}>Previous</button>
          <span>Page ${this.query.page} of ${pages} (${p?.total ?? 0} sessions)</span>
          <button type="button" class="secondary" ?disabled=${this.query.page >= pages} @click=${() => { this.#goTo(this.query.page + 1); }}>Next</button>
        </nav>
      </section>
    `;
  }
}
