import { ContextProvider } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { acquireMedia, releaseMedia, type AcquiredMedia, type MediaRequest } from '../../src/media/acquire.js';
import { CancelScope } from '../../src/cancel-scope.js';
import { mediaStreamContext } from './contexts.js';
import { whenLeft } from './when-left.js';

/**
 * Owns the camera/microphone for its host: acquires once, shares the stream through
 * `mediaStreamContext`, stops owned tracks on release and when the host leaves the DOM (not on a move).
 * An injected stream is shared but never stopped (its owner stops it).
 */
export class MediaController implements ReactiveController {
  #acquired: AcquiredMedia | null = null;
  /** Cancelled on every release so an acquisition that finishes after `release()` is discarded. */
  readonly #acquisitions = new CancelScope();
  readonly #provider: ContextProvider<typeof mediaStreamContext>;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
    this.#provider = new ContextProvider(host, { context: mediaStreamContext, initialValue: null });
  }

  get stream(): MediaStream | null {
    return this.#acquired?.stream ?? null;
  }

  /** True when the widget opened the devices and will stop them. */
  get owned(): boolean {
    return this.#acquired?.owned ?? false;
  }

  /**
   * Opens the requested devices (or adopts `injected`). Returns null when nothing is requested.
   * Returns null too when `release()` was called while the browser was still asking.
   */
  async acquire(request: MediaRequest, injected?: MediaStream | null): Promise<MediaStream | null> {
    this.release();
    if (!injected && !request.camera && !request.microphone) return null;
    const signal = this.#acquisitions.signal;
    const acquired = await acquireMedia(request, injected);
    if (signal.aborted) {
      releaseMedia(acquired);
      return null;
    }
    this.#acquired = acquired;
    this.#provider.setValue(acquired.stream);
    return acquired.stream;
  }

  release(): void {
    this.#acquisitions.cancel();
    releaseMedia(this.#acquired);
    this.#acquired = null;
    this.#provider.setValue(null);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    whenLeft(this.host, () => { this.release(); });
  }
}
