import { EyeProctor } from './eye-proctor.js';

if (!customElements.get('eye-proctor')) customElements.define('eye-proctor', EyeProctor);

export { EyeProctor };
