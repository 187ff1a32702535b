import { EyeWebhooksAdmin } from './eye-webhooks-admin.js';

if (!customElements.get('eye-webhooks-admin')) customElements.define('eye-webhooks-admin', EyeWebhooksAdmin);

export { EyeWebhooksAdmin };
