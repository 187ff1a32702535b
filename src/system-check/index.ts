/** Framework-free system check and calibration (used by <eye-system-check>, usable on its own). */
export * from './types.js';
export { checkWebcam, type WebcamCheckOptions } from './webcam.js';
export { checkMicrophone, type MicrophoneCheckOptions } from './microphone.js';
export { checkBrowser, probeBrowserFeatures, recordableAudioType, type FeatureResult } from './browser.js';
export {
  checkInternetSpeed,
  measureSpeed,
  DEFAULT_SPEED_THRESHOLDS,
  type SpeedThresholds,
  type SpeedMeasurement,
  type SpeedTestOptions,
} from './internet-speed.js';
export { audioLevels, collectLevels, rmsDbfs, SILENCE_DB, type AudioLevelOptions } from './audio-level.js';
export {
  calibrate,
  deriveSoundThreshold,
  lightingWarningFor,
  CALIBRATION_DEFAULTS,
  type CalibrationOptions,
  type CalibrationReport,
  type FaceSampler,
  type FaceSample,
} from './calibration.js';
export { faceDetectorSampler } from './face-sampler.js';
export { runCheck, toSystemCheck, type CheckProgress, type CheckState, type CheckDependencies } from './run.js';
export { detectBrowser, type BrowserFamily, type BrowserInfo } from './browser-info.js';
