import { EyeCameraPreview } from './eye-camera-preview.js';

if (!customElements.get('eye-camera-preview')) customElements.define('eye-camera-preview', EyeCameraPreview);

export { EyeCameraPreview };
