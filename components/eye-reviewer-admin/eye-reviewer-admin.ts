import { css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { ConsolePageElement } from '../console/console-page-element.js';
import { dateTime, formText } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import type { Reviewer } from '../console/types.js';

/**
 * Console accounts of the tenant (admins): create one (the generated password is shown once),
 * change its role, disable or enable it (disabling signs it out at once).
 *
 * @summary Accounts page of the review console.
 */
export class EyeReviewerAdmin extends ConsolePageElement {
  static override styles = [consoleStyles, css`:host { display: block; } .secret { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 0.5rem; }`];

  @state() private reviewers: Reviewer[] = [];
  @state() private created: { email: string; password: string } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  reload(): Promise<void> {
    return this.load(async () => {
      this.reviewers = (await this.api.request<{ reviewers: Reviewer[] }>('GET', '/reviewers')).reviewers;
    });
  }

  #create(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    void this.act('Account created.', async () => {
      const r = await this.api.request<Reviewer & { password: string }>('POST', '/reviewers', { email: formText(f, 'email'), role: formText(f, 'role') });
      this.created = { email: r.email, password: r.password };
      form.reset();
    });
  }

  override render() {
    return html`<section aria-labelledby="acc-h">
      <h2 id="acc-h">Accounts</h2>
      <form class="row card" @submit=${this.#create}>
        <label>Email<input type="email" name="email" required autocomplete="off" /></label>
        <label>Role<select name="role"><option value="reviewer">reviewer</option><option value="admin">admin</option></select></label>
        <button type="submit">Create account</button>
      </form>
      <p role="status" class="muted">${this.notice}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.created
        ? html`<div class="secret card" role="alert">Password of ${this.created.email} (shown only now): <span class="mono">${this.created.password}</span>
            <button type="button" class="secondary" @click=${() => (this.created = null)}>Done</button></div>`
        : nothing}
      <div class="scroll card">
        <table>
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            ${this.reviewers.map(
              (r) => html`<tr>
                <td>${r.email}${r.disabled ? html` <span class="badge bad">disabled</span>` : nothing}</td>
                <td>${r.role}</td>
                <td>${dateTime(r.lastSignInAt)}</td>
                <td class="row">
                  <button type="button" class="secondary" @click=${() => this.act('Role changed.', () => this.api.request('PATCH', `/reviewers/${r.id}`, { role: r.role === 'admin' ? 'reviewer' : 'admin' }))}>
                    Make ${r.role === 'admin' ? 'reviewer' : 'admin'}
                  </button>
                  <button type="button" class="secondary" @click=${() => this.act(r.disabled ? 'Account enabled.' : 'Account disabled.', () => this.api.request('PATCH', `/reviewers/${r.id}`, { disabled: !r.disabled }))}>
                    ${r.disabled ? 'Enable' : 'Disable'}
                  </button>
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }
}
