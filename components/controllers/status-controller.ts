import type { ReactiveControllerHost } from 'lit';
import type { Observable } from 'rxjs';
import { Event as EyeEvent, isFlagEvent, type EyeEmission, type FlagData, type FlagEvent } from '../../src/events.js';
import { EmissionController } from './emission-controller.js';

export type MonitoringState = 'off' | 'on' | 'paused';

export interface CandidateWarning {
  type: FlagEvent;
  /** Short, second-person text for the candidate. */
  message: string;
  at: Date;
}

/** What the candidate reads; the relay gets the neutral FLAG_DESCRIPTIONS. */
export const CANDIDATE_WARNINGS: Partial<Record<FlagEvent, string>> = {
  [EyeEvent.TAB_NOT_FOCUS]: 'You left the exam page',
  [EyeEvent.EXIT_FULLSCREEN]: 'You left fullscreen',
  [EyeEvent.FACE_ABSENCE]: 'Your face was not visible',
  [EyeEvent.MULTIPLE_FACE]: 'More than one face was visible',
  [EyeEvent.SOUND_DETECTED]: 'Sound was detected',
  [EyeEvent.DEVTOOLS_OPEN]: 'Developer tools seem to be open',
  [EyeEvent.CAMERA_LOST]: 'The camera stopped',
  [EyeEvent.MICROPHONE_LOST]: 'The microphone stopped',
};

/** Flags that are evidence, not warnings, and are not shown to the candidate. */
const SILENT_FLAGS = new Set<EyeEvent>([EyeEvent.PERIODIC_SNAPSHOT]);

/**
 * Derives what the candidate sees (monitoring on/off/paused, last warning) from the event stream
 * alone, so any element given `events$` can show the same status.
 */
export class StatusController extends EmissionController {
  state: MonitoringState = 'off';
  lastWarning: CandidateWarning | null = null;

  constructor(
    host: ReactiveControllerHost,
    events$: Observable<EyeEmission>,
  ) {
    super(host, events$);
    host.addController(this);
  }

  protected apply(e: EyeEmission): void {
    switch (e.type) {
      case EyeEvent.STARTED:
        this.state = 'on';
        this.lastWarning = null;
        break;
      case EyeEvent.RESUMED:
        this.state = 'on';
        break;
      case EyeEvent.PAUSED:
        this.state = 'paused';
        break;
      case EyeEvent.END_PROCTORING:
        this.state = 'off';
        break;
      default:
        if (!isFlagEvent(e.type) || SILENT_FLAGS.has(e.type)) return;
        this.lastWarning = {
          type: e.type,
          message: CANDIDATE_WARNINGS[e.type] ?? (e.payload as FlagData).description,
          at: new Date(),
        };
    }
    this.host.requestUpdate();
  }
}
