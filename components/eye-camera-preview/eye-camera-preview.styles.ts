import { css } from 'lit';

export const styles = css`
  :host {
    display: inline-block;
    width: var(--eye-preview-width, 320px);
    /* Never wider than its container (a 320 px phone). */
    max-width: 100%;
    font-family: var(--eye-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--eye-fg, #1f2328);
    --_box: var(--eye-face-box-color, #2da44e);
    --_box-warn: var(--eye-face-box-warning-color, #cf222e);
    --_radius: var(--eye-radius, 12px);
  }
  :host([hidden]) {
    display: none;
  }
  .frame {
    position: relative;
    overflow: hidden;
    border-radius: var(--_radius);
    background: #0d1117;
    aspect-ratio: 4 / 3;
  }
  video,
  canvas {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: contain;
  }
  /* Mirrored like a mirror, which is what people expect of their own camera. */
  :host(:not([unmirrored])) video,
  :host(:not([unmirrored])) canvas {
    transform: scaleX(-1);
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    color: #c9d1d9;
    font-size: 0.875rem;
    text-align: center;
    padding: 1rem;
  }
  .caption {
    margin: 0.375rem 0 0;
    font-size: 0.875rem;
    color: var(--eye-muted-fg, #57606a);
  }
  .caption[data-state='warning'] {
    color: var(--eye-danger, #b42318);
    font-weight: 600;
  }
`;
