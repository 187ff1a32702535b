/**
 * Entry of the review console bundle (dist/bundles/eye-console.js, served by the relay at
 * /console/assets/): defines `<eye-console>` and every element it uses. Not part of the widget's
 * entry (components/index.ts): candidates' pages never load the console.
 */
import '../eye-console/define.js';

export { EyeConsole } from '../eye-console/eye-console.js';
export { EyeSessionReport } from '../eye-session-report/eye-session-report.js';
export { ConsoleApi, ConsoleApiError } from './api.js';
export type * from './types.js';
