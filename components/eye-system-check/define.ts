import { EyeSystemCheck } from './eye-system-check.js';

if (!customElements.get('eye-system-check')) customElements.define('eye-system-check', EyeSystemCheck);

export { EyeSystemCheck };
