import type { ReactiveControllerHost } from 'lit';
import type { Observable } from 'rxjs';
import { isFullscreen } from '../../src/detectors/fullscreen.js';
import { Event as EyeEvent, type EyeEmission } from '../../src/events.js';
import { EmissionController } from './emission-controller.js';

/**
 * `requireFullscreen`: while monitoring runs outside fullscreen, the host shows a prompt whose
 * button calls `enter()` (a click is the user gesture `requestFullscreen` needs).
 */
export class FullscreenPromptController extends EmissionController {
  /** True while the prompt should be shown. */
  visible = false;
  #required = false;
  #monitoring = false;

  constructor(
    host: ReactiveControllerHost,
    events$: Observable<EyeEmission>,
    private readonly doc: Document = document,
  ) {
    super(host, events$);
    host.addController(this);
  }

  /** Asks the browser for fullscreen on the whole page; must run inside a user gesture. */
  async enter(): Promise<void> {
    await this.doc.documentElement.requestFullscreen();
  }

  protected apply(e: EyeEmission): void {
    switch (e.type) {
      case EyeEvent.SET_CONFIG:
        this.#required = e.payload.config['requireFullscreen'] === true;
        break;
      case EyeEvent.STARTED:
      case EyeEvent.RESUMED:
        this.#monitoring = true;
        break;
      case EyeEvent.PAUSED:
      case EyeEvent.END_PROCTORING:
        this.#monitoring = false;
        break;
      case EyeEvent.FULLSCREEN_CHANGE:
        break;
      default:
        return;
    }
    const visible = this.#required && this.#monitoring && !isFullscreen(this.doc);
    if (visible !== this.visible) {
      this.visible = visible;
      this.host.requestUpdate();
    }
  }
}
