import { EyeConsent } from './eye-consent.js';

if (!customElements.get('eye-consent')) customElements.define('eye-consent', EyeConsent);

export { EyeConsent };
