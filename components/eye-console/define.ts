import { EyeConsole } from './eye-console.js';

if (!customElements.get('eye-console')) customElements.define('eye-console', EyeConsole);

export { EyeConsole };
