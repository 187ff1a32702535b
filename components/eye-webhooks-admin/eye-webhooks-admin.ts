import { css, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { ConsolePageElement } from '../console/console-page-element.js';
import { dateTime, formText, statusTone } from '../console/format.js';
import { consoleStyles } from '../console/styles.js';
import type { WebhookDelivery, WebhookEndpoint } from '../console/types.js';

/**
 * Webhook endpoints of the tenant (admins): register one, rotate its secret (the new secret is
 * shown once), disable / enable, send a test event, read the delivery log with every attempt, and
 * redeliver.
 *
 * @summary Webhooks page of the review console.
 */
export class EyeWebhooksAdmin extends ConsolePageElement {
  static override styles = [
    consoleStyles,
    css`
      :host { display: block; }
      .secret { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 0.5rem; }
      input[type='url'] { min-width: min(28rem, 100%); }
      ol.attempts { margin: 0; padding-left: 1.1rem; font-size: 0.85rem; }
    `,
  ];

  @state() private endpoints: WebhookEndpoint[] = [];
  @state() private selected: string | null = null;
  @state() private deliveries: WebhookDelivery[] = [];
  @state() private secret: { endpointId: string; secret: string } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  reload(): Promise<void> {
    return this.load(async () => {
      this.endpoints = (await this.api.request<{ endpoints: WebhookEndpoint[] }>('GET', '/webhooks/endpoints')).endpoints;
      this.selected ??= this.endpoints[0]?.id ?? null;
      if (this.selected) this.deliveries = (await this.api.request<{ deliveries: WebhookDelivery[] }>('GET', `/webhooks/endpoints/${this.selected}/deliveries?limit=50`)).deliveries;
    });
  }

  #create(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const url = formText(new FormData(form), 'url').trim();
    void this.act('Endpoint registered.', async () => {
      const created = await this.api.request<WebhookEndpoint & { secret: string }>('POST', '/webhooks/endpoints', { url });
      this.secret = { endpointId: created.id, secret: created.secret };
      this.selected = created.id;
      form.reset();
    });
  }

  #rotate(id: string): void {
    void this.act('Secret rotated; the previous one keeps signing for 24 hours.', async () => {
      const r = await this.api.request<{ secret: string }>('POST', `/webhooks/endpoints/${id}/rotate-secret`);
      this.secret = { endpointId: id, secret: r.secret };
    });
  }

  override render() {
    return html`
      <section aria-labelledby="wh-h">
        <h2 id="wh-h">Webhook endpoints</h2>
        <form class="row card" @submit=${this.#create}>
          <label>Endpoint URL<input type="url" name="url" required placeholder="https://lms.example.edu/eye/webhooks" /></label>
          <button type="submit">Register endpoint</button>
        </form>
        <p role="status" class="muted">${this.notice}</p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${this.secret
          ? html`<div class="secret card" role="alert">
              Signing secret of ${this.secret.endpointId} (shown only now):
              <span class="mono">${this.secret.secret}</span>
              <button type="button" class="secondary" @click=${() => (this.secret = null)}>Done</button>
            </div>`
          : nothing}
        <div class="scroll card">
          <table>
            <thead><tr><th scope="col">URL</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              ${this.endpoints.map(
                (ep) => html`<tr data-endpoint-id=${ep.id}>
                  <td class="mono">${ep.url}${ep.description ? html`<div class="muted">${ep.description}</div>` : nothing}</td>
                  <td><span class="badge ${ep.enabled ? 'ok' : 'bad'}">${ep.enabled ? 'enabled' : 'disabled'}</span>${ep.disabledReason ? html`<div class="muted">${ep.disabledReason}</div>` : nothing}</td>
                  <td class="row">
                    <button type="button" class="secondary" @click=${() => { this.selected = ep.id; void this.reload(); }}>Deliveries</button>
                    <button type="button" class="secondary" ?disabled=${!ep.enabled} @click=${() => this.act('Test event queued.', () => this.api.request('POST', `/webhooks/endpoints/${ep.id}/test`))}>Send test</button>
                    <button type="button" class="secondary" @click=${() => { this.#rotate(ep.id); }}>Rotate secret</button>
                    <button type="button" class="secondary" @click=${() => this.act(ep.enabled ? 'Endpoint disabled.' : 'Endpoint enabled.', () => this.api.request('PATCH', `/webhooks/endpoints/${ep.id}`, { enabled: !ep.enabled }))}>
                      ${ep.enabled ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${this.endpoints.length === 0 ? html`<p>No endpoints yet.</p>` : nothing}
        </div>
        ${this.selected ? this.#deliveries() : nothing}
      </section>
    `;
  }

  #deliveries() {
    return html`<section class="card" aria-labelledby="dl-h">
      <div class="row">
        <h3 id="dl-h">Deliveries of <span class="mono">${this.selected}</span></h3>
        <button type="button" class="secondary" data-refresh @click=${() => this.reload()}>Refresh</button>
      </div>
      <div class="scroll">
        <table>
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            ${this.deliveries.map(
              (d) => html`<tr data-delivery-id=${d.id}>
                <td class="mono">${d.eventType}</td>
                <td><span class="badge ${statusTone(d.status)}">${d.status}</span></td>
                <td>
                  <ol class="attempts">
                    ${d.attempts.map((a) => html`<li>${dateTime(a.startedAt)}: ${a.statusCode ?? a.error ?? '…'}${a.latencyMs !== null ? ` in ${a.latencyMs} ms` : ''}</li>`)}
                  </ol>
                </td>
                <td>${dateTime(d.createdAt)}</td>
                <td><button type="button" class="secondary" @click=${() => this.act('Redelivery queued.', () => this.api.request('POST', `/webhooks/deliveries/${d.id}/redeliver`))}>Redeliver</button></td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${this.deliveries.length === 0 ? html`<p>No deliveries yet.</p>` : nothing}
      </div>
    </section>`;
  }
}
