import { EyeReviewerAdmin } from './eye-reviewer-admin.js';

if (!customElements.get('eye-reviewer-admin')) customElements.define('eye-reviewer-admin', EyeReviewerAdmin);

export { EyeReviewerAdmin };
