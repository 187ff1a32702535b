import { EyeSessionDetail } from './eye-session-detail.js';

if (!customElements.get('eye-session-detail')) customElements.define('eye-session-detail', EyeSessionDetail);

export { EyeSessionDetail };
