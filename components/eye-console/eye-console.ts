import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import '../eye-reviewer-admin/define.js';
import '../eye-session-detail/define.js';
import '../eye-session-list/define.js';
import '../eye-session-report/define.js';
import '../eye-webhooks-admin/define.js';
import { ConsoleApi, ConsoleApiError } from '../console/api.js';
import { formText } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import type { ConsoleMe, SessionDetail } from '../console/types.js';
import { HashRouteController } from '../controllers/hash-route-controller.js';
import { errorMessage } from '../../src/errors.js';
import { styles } from './eye-console.styles.js';

/**
 * The review console served by the relay at /console: sign-in, then the sessions list (live),
 * a session's detail, a printable report, and for admins the webhooks and accounts pages.
 * Pages are hash routes (`#/sessions`, `#/sessions/<id>`, `#/report/<id>`, `#/webhooks`, `#/accounts`).
 *
 * @summary Review console application shell.
 * @attr tenant - Organisation (tenant id) for sign-in; default the page's `?tenant=`.
 */
export class EyeConsole extends LitElement {
  static override styles = [consoleStyles, styles];

  @property() tenant = new URLSearchParams(location.search).get('tenant') ?? '';
  @property({ attribute: false }) api = new ConsoleApi();
  @state() private me: ConsoleMe | null = null;
  @state() private checked = false;
  @state() private error: string | null = null;
  @state() private report: SessionDetail | null = null;

  readonly route = new HashRouteController(this);

  override connectedCallback(): void {
    super.connectedCallback();
    void this.api.me().then(
      (me) => {
        this.me = me;
        this.checked = true;
      },
      (err: unknown) => {
        this.error = errorMessage(err);
        this.checked = true;
      },
    );
  }

  async #signIn(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    try {
      await this.api.signIn(formText(f, 'tenant'), formText(f, 'email'), formText(f, 'password'));
      this.me = await this.api.me();
      this.error = null;
    } catch (err) {
      this.error = err instanceof ConsoleApiError && err.status === 401 ? 'Wrong organisation, email or password.' : (err as Error).message;
    }
  }

  async #signOut(): Promise<void> {
    await this.api.signOut().catch(() => {});
    this.me = null;
    this.route.go('sessions');
  }

  override render() {
    if (!this.checked) return html`<main><p role="status">Loading…</p></main>`;
    if (!this.me) return this.#signInForm();
    const [page = 'sessions', id] = this.route.parts;
    const admin = this.me.reviewer.role === 'admin';
    const link = (path: string, label: string) => html`<a href="#/${path}" aria-current=${page === path ? 'page' : 'false'}>${label}</a>`;
    return html`
      <header class="bar">
        <h1>Eye review console</h1>
        <nav aria-label="Console">${link('sessions', 'Sessions')}${admin ? html`${link('webhooks', 'Webhooks')}${link('accounts', 'Accounts')}` : nothing}</nav>
        <span class="who">
          <span>${this.me.reviewer.email} (${this.me.reviewer.role}${this.me.tenant?.name ? `, ${this.me.tenant.name}` : ''})</span>
          <button type="button" class="secondary" @click=${() => this.#signOut()}>Sign out</button>
        </span>
      </header>
      <main>${this.#page(page, id, admin)}</main>
    `;
  }

  #page(page: string, id: string | undefined, admin: boolean) {
    if (page === 'sessions' && id) return html`<eye-session-detail .api=${this.api} session-id=${id} @eye-back=${() => { this.route.go('sessions'); }}></eye-session-detail>`;
    if (page === 'report' && id) return this.#printable(id);
    if (page === 'webhooks' && admin) return html`<eye-webhooks-admin .api=${this.api}></eye-webhooks-admin>`;
    if (page === 'accounts' && admin) return html`<eye-reviewer-admin .api=${this.api}></eye-reviewer-admin>`;
    return html`<eye-session-list .api=${this.api} @eye-open-session=${(e: CustomEvent<{ id: string }>) => { this.route.go(`sessions/${e.detail.id}`); }}></eye-session-list>`;
  }

  /** The printable report page fetches its session when the route names another one. */
  protected override willUpdate(): void {
    const [page, id] = this.route.parts;
    if (page !== 'report' || !id || !this.me || this.#reportFor === id) return;
    this.#reportFor = id;
    this.report = null;
    void this.api.request<SessionDetail>('GET', `/sessions/${encodeURIComponent(id)}`).then(
      (r) => (this.report = r),
      (err: unknown) => (this.error = errorMessage(err)),
    );
  }

  #reportFor: string | null = null;

  #printable(id: string) {
    return html`<p><a href="#/sessions/${id}">← Back to the session</a></p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <eye-session-report .report=${this.report}></eye-session-report>`;
  }

  #signInForm() {
    return html`<main>
      <form class="sign-in card" @submit=${this.#signIn} aria-labelledby="sign-in-h">
        <h1 id="sign-in-h">Sign in to the Eye review console</h1>
        <label>Organisation<input name="tenant" required .value=${this.tenant} autocomplete="organization" /></label>
        <label>Email<input type="email" name="email" required autocomplete="username" /></label>
        <label>Password<input type="password" name="password" required autocomplete="current-password" /></label>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <button type="submit">Sign in</button>
      </form>
    </main>`;
  }
}
