import { ContextConsumer } from '@lit/context';
import { LitElement, html } from 'lit';
import { property, query } from 'lit/decorators.js';
import type { EyeConfig } from '../../src/config.js';
import type { MessageKey } from '../../src/i18n/localize.js';
import { faceDetectionOptions, type FaceFrame } from '../../src/vision/face-detection-service.js';
import { configContext, mediaStreamContext } from '../controllers/contexts.js';
import { FaceDetectionController } from '../controllers/face-detection-controller.js';
import { LocaleController } from '../controllers/locale-controller.js';
import { styles } from './eye-camera-preview.styles.js';

export type PreviewFaceState = 'off' | 'live' | 'starting' | 'one' | 'none' | 'many' | 'unavailable';

const CAPTIONS: Record<PreviewFaceState, MessageKey> = {
  off: 'preview.off',
  live: 'preview.live',
  starting: 'preview.starting',
  one: 'preview.one',
  none: 'preview.none',
  many: 'preview.many',
  unavailable: 'preview.unavailable',
};

/**
 * Live, mirrored camera preview with the detected faces outlined, so candidates see what the
 * proctoring sees.
 *
 * Inside `<eye-proctor>` it shows the widget's camera stream (via context) and the monitoring's
 * own face detections (same shared detection loop). On its own, set the `stream` property and
 * `assets-base-url` (where the MediaPipe wasm and model are served) for face boxes; without
 * an assets URL it shows the video only.
 *
 * @summary Mirrored camera preview with face boxes.
 *
 * @attr label - Accessible name of the preview (default: "Camera preview" in the element's language).
 * @attr locale - Language of the caption (BCP 47); default: nearest `lang`, else `<html lang>`.
 * @attr assets-base-url - MediaPipe assets base URL when used outside `<eye-proctor>`.
 * @attr no-boxes - Show the video without face detection.
 * @attr unmirrored - Show the camera as it is, not mirrored.
 * @attr face-state - Reflects the current state: off, live (no detection), starting, one, none, many, unavailable.
 *
 * @fires eye-preview-faces - After each analysed frame; `detail` is `{ faceCount, faces }`.
 *
 * @csspart base - The labelled group wrapping everything.
 * @csspart frame - The box holding the video and the overlay.
 * @csspart video - The <video> element.
 * @csspart overlay - The <canvas> the face boxes are drawn on.
 * @csspart caption - The text under the preview saying whether a face is visible.
 *
 * @cssprop --eye-preview-width - Width of the element (default 320px).
 * @cssprop --eye-face-box-color - Outline of a face when exactly one is visible.
 * @cssprop --eye-face-box-warning-color - Outline of faces when several are visible.
 */
export class EyeCameraPreview extends LitElement {
  static override styles = styles;

  /** The camera stream to show. Overrides the `<eye-proctor>` stream when set. */
  @property({ attribute: false }) stream: MediaStream | null = null;
  @property() label = '';
  @property() locale = '';
  @property({ attribute: 'assets-base-url' }) assetsBaseUrl: string | null = null;
  @property({ type: Boolean, attribute: 'no-boxes' }) noBoxes = false;
  @property({ type: Boolean, reflect: true }) unmirrored = false;
  /** What the preview currently shows (also reflected as the `face-state` attribute). */
  @property({ reflect: true, attribute: 'face-state' }) faceState: PreviewFaceState = 'off';

  /** Null until the first render. */
  @query('video') private video?: HTMLVideoElement | null;
  @query('canvas') private overlay?: HTMLCanvasElement | null;

  #contextStream: MediaStream | null = null;
  #contextConfig: EyeConfig | null = null;
  readonly #faces = new FaceDetectionController(this, (frame) => { this.#onFrame(frame); });
  readonly #locale = new LocaleController(this);

  constructor() {
    super();
    new ContextConsumer(this, {
      context: mediaStreamContext,
      subscribe: true,
      callback: (stream) => {
        this.#contextStream = stream ?? null;
        this.requestUpdate();
      },
    });
    new ContextConsumer(this, {
      context: configContext,
      subscribe: true,
      callback: (config) => {
        this.#contextConfig = config ?? null;
        this.requestUpdate();
      },
    });
  }

  /** The stream actually shown: the property, else the one `<eye-proctor>` shares. */
  get activeStream(): MediaStream | null {
    return this.stream ?? this.#contextStream;
  }

  /** The latest face detection result shown, if any. */
  get lastFrame(): FaceFrame | null {
    return this.#faces.frame;
  }

  protected override willUpdate(): void {
    // Own `locale` first, then the <eye-proctor> config's, then `lang` attributes.
    this.#locale.override = this.locale ? null : (this.#contextConfig?.locale ?? null);
    const stream = this.activeStream;
    const hasVideo = !!stream?.getVideoTracks().length;
    const options = this.noBoxes || !hasVideo ? null : this.#detectionOptions();
    this.#faces.set(hasVideo ? stream : null, options);
    this.faceState = this.#state(hasVideo, options !== null);
  }

  protected override updated(): void {
    const stream = this.activeStream;
    const videoStream = stream?.getVideoTracks().length ? stream : null;
    const video = this.video; // always rendered, so present in updated()
    if (video && video.srcObject !== videoStream) {
      video.srcObject = videoStream;
      if (videoStream) video.play().catch(() => {});
    }
    if (!this.#faces.frame) this.#clearOverlay();
  }

  /** Also waits for the candidate's language when its texts are still loading (see LocaleController). */
  protected override async getUpdateComplete(): Promise<boolean> {
    return this.#locale.settled(await super.getUpdateComplete());
  }

  override render() {
    const tr = this.#locale.tr;
    const caption = tr.t(CAPTIONS[this.faceState]);
    const warning = this.faceState === 'none' || this.faceState === 'many' || this.faceState === 'unavailable';
    return html`
      <div part="base" class="base" role="group" aria-label=${this.label || tr.t('preview.label')} lang=${tr.tag} dir=${tr.dir}>
        <div part="frame" class="frame">
          <video part="video" muted playsinline autoplay aria-hidden="true"></video>
          <canvas part="overlay" aria-hidden="true"></canvas>
          ${this.faceState === 'off' ? html`<div class="placeholder">${caption}</div>` : null}
        </div>
        <p part="caption" class="caption" role="status" data-state=${warning ? 'warning' : 'ok'}>${caption}</p>
      </div>
    `;
  }

  #detectionOptions() {
    if (this.assetsBaseUrl) {
      return faceDetectionOptions({
        assetsBaseUrl: this.assetsBaseUrl,
        detectionFps: this.#contextConfig?.detectionFps ?? 5,
        minFaceConfidence: this.#contextConfig?.minFaceConfidence ?? 0.5,
      });
    }
    // Inside <eye-proctor>: exactly the monitoring's options, so the detection loop is shared.
    return this.#contextConfig ? faceDetectionOptions(this.#contextConfig) : null;
  }

  #state(hasVideo: boolean, detecting: boolean): PreviewFaceState {
    if (!hasVideo) return 'off';
    if (!detecting) return 'live';
    if (this.#faces.error) return 'unavailable';
    const frame = this.#faces.frame;
    if (!frame) return 'starting';
    return frame.faceCount === 0 ? 'none' : frame.faceCount === 1 ? 'one' : 'many';
  }

  #onFrame(frame: FaceFrame): void {
    this.#drawBoxes(frame);
    const faces = frame.faces.filter((f) => f.score >= (this.#contextConfig?.minFaceConfidence ?? 0.5));
    this.dispatchEvent(new CustomEvent('eye-preview-faces', { detail: { faceCount: frame.faceCount, faces } }));
  }

  #drawBoxes(frame: FaceFrame): void {
    const canvas = this.overlay;
    const video = this.video;
    if (!canvas || !video?.videoWidth) return;
    if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const style = getComputedStyle(this);
    const color = (frame.faceCount > 1 ? style.getPropertyValue('--_box-warn') : style.getPropertyValue('--_box')).trim() || '#2da44e';
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(2, canvas.width / 160);
    const min = this.#contextConfig?.minFaceConfidence ?? 0.5;
    for (const face of frame.faces) {
      if (face.score < min) continue;
      ctx.strokeRect(face.x * canvas.width, face.y * canvas.height, face.width * canvas.width, face.height * canvas.height);
    }
  }

  #clearOverlay(): void {
    const canvas = this.overlay;
    canvas?.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
  }
}

export interface EyeCameraPreviewFacesDetail {
  faceCount: number;
  faces: FaceFrame['faces'];
}

declare global {
  interface HTMLElementTagNameMap {
    'eye-camera-preview': EyeCameraPreview;
  }
  interface HTMLElementEventMap {
    'eye-preview-faces': CustomEvent<EyeCameraPreviewFacesDetail>;
  }
}
