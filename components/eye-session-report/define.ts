import { EyeSessionReport } from './eye-session-report.js';

if (!customElements.get('eye-session-report')) customElements.define('eye-session-report', EyeSessionReport);

export { EyeSessionReport };
