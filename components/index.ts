/**
 * Public entry of the widget: importing it defines every element. Re-exports the types a host needs.
 */
import './eye-proctor/define.js';
import './eye-system-check/define.js';
import './eye-camera-preview/define.js';

export { EyeProctor, type EyeProctorEventMap, type ProctorPhase } from './eye-proctor/eye-proctor.js';
export { EyeCameraPreview, type PreviewFaceState, type EyeCameraPreviewFacesDetail } from './eye-camera-preview/eye-camera-preview.js';
export { EyeSystemCheck, type EyeSystemCheckEventMap } from './eye-system-check/eye-system-check.js';
export type { CalibrationReport } from '../src/system-check/calibration.js';
export type { CheckOutcome } from '../src/system-check/types.js';
export type { SpeedThresholds } from '../src/system-check/internet-speed.js';
export { mediaStreamContext, configContext, eventsContext, eventSinkContext, widgetStateContext } from './controllers/contexts.js';
export type { WidgetState, MonitoringState, CandidateWarning } from '../src/widget-state.js';
export * from '../src/events.js';
export { validateConfig, DEFAULT_CONFIG, EyeConfigError, type EyeConfig, type EyeConfigInput } from '../src/config.js';
export { MediaAcquisitionError } from '../src/media/acquire.js';
export type { EyeEventSink, EyeListener } from '../src/event-bus.js';
export type { Detector, DetectorContext } from '../src/detectors/types.js';
