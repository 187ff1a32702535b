import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Subscription } from 'rxjs';
import { faceDetectionFor, type FaceDetectionOptions, type FaceFrame } from '../../src/vision/face-detection-service.js';

/**
 * Subscribes its host to the face detection of a stream (the per-stream shared service, so a
 * preview inside <eye-proctor> reuses the monitoring's detection loop instead of starting
 * another). Subscribed while the host is connected and a stream + options are set.
 */
export class FaceDetectionController implements ReactiveController {
  /** Latest analysed frame, or null before the first result. */
  frame: FaceFrame | null = null;
  /** Why detection is not running, when it failed. */
  error: Error | null = null;
  #stream: MediaStream | null = null;
  #options: FaceDetectionOptions | null = null;
  #subscription: Subscription | null = null;
  #connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onFrame: (frame: FaceFrame) => void = () => {},
  ) {
    host.addController(this);
  }

  /** Points the controller at `stream` with `options`; null for either stops detection. */
  set(stream: MediaStream | null, options: FaceDetectionOptions | null): void {
    if (stream === this.#stream && JSON.stringify(options) === JSON.stringify(this.#options)) return;
    this.#stream = stream;
    this.#options = options;
    this.#resubscribe();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#resubscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#resubscribe();
  }

  #resubscribe(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
    this.frame = null;
    this.error = null;
    if (!this.#connected || !this.#stream || !this.#options || !this.#stream.getVideoTracks().length) {
      this.host.requestUpdate();
      return;
    }
    this.#subscription = faceDetectionFor(this.#stream, this.#options).frames$.subscribe({
      next: (frame) => {
        this.frame = frame;
        this.onFrame(frame);
        this.host.requestUpdate();
      },
      error: (err) => {
        this.error = err instanceof Error ? err : new Error(String(err));
        this.host.requestUpdate();
      },
    });
  }
}
