import { EyeSessionList } from './eye-session-list.js';

if (!customElements.get('eye-session-list')) customElements.define('eye-session-list', EyeSessionList);

export { EyeSessionList };
