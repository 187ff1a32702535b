/**
 * Attributes and event props of the widget's elements, shared by the React and Vue typings
 * (types/react.d.ts, types/react19.d.ts, types/vue.d.ts). Attributes are the HTML names (strings).
 */
import type { EventName, EventPayloadByName } from 'eye-proctor';

export interface EyeProctorAttributes {
  'exam-id'?: string;
  'candidate-id'?: string;
  'relay-url'?: string;
  'session-token'?: string;
  'session-id'?: string;
  'assets-base-url'?: string;
}

export interface EyeSystemCheckAttributes {
  'relay-url'?: string;
  /** Space-separated check names: internetSpeed webcam microphone browser. */
  checks?: string;
  'auto-start'?: boolean;
  'with-calibration'?: boolean;
  'calibration-ms'?: number | string;
  'assets-base-url'?: string;
}

export interface EyeCameraPreviewAttributes {
  label?: string;
  'assets-base-url'?: string;
  'no-boxes'?: boolean;
  unmirrored?: boolean;
}

/** `onFACE_ABSENCE={(e) => e.detail}`: one handler prop per event, `detail` typed per event. */
export type EyeEventHandlerProps<Events extends EventName = EventName> = {
  [K in Events as `on${K}`]?: (event: CustomEvent<EventPayloadByName[K]>) => void;
};

/** Events that `<eye-system-check>` dispatches. */
export type EyeSystemCheckEventName = 'SYSTEM_CHECK_STARTED' | 'SYSTEM_CHECK_COMPLETED' | 'CALIBRATION_COMPLETED';
