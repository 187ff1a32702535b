import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font-family: var(--eye-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--eye-fg, #1f2328);
    --_bg: var(--eye-bg, #ffffff);
    --_muted: var(--eye-muted-fg, #57606a);
    --_border: var(--eye-border, #d0d7de);
    --_radius: var(--eye-radius, 12px);
    --_ok: var(--eye-success, #1a7f37);
    --_bad: var(--eye-danger, #b42318);
    --_warn: var(--eye-warning, #8a5a00);
    --_accent: var(--eye-accent, #0969da);
    --_accent-fg: var(--eye-accent-fg, #ffffff);
    --_fix-bg: var(--eye-fix-bg, #fff8f6);
    --_subtle: var(--eye-subtle-bg, #f6f8fa);
  }
  :host([hidden]) {
    display: none;
  }

  .card {
    container-type: inline-size;
    box-sizing: border-box;
    max-width: 44rem;
    padding: 1.5rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.06), 0 8px 24px rgb(0 0 0 / 0.04);
    line-height: 1.5;
  }
  h2 {
    margin: 0 0 0.25rem;
    font-size: 1.25rem;
  }
  .intro {
    margin: 0 0 1.25rem;
    color: var(--_muted);
  }

  ol {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.75rem;
  }
  .check {
    --_state: var(--_muted);
    display: grid;
    grid-template-columns: 2rem 1fr auto;
    gap: 0.25rem 0.75rem;
    align-items: start;
    padding: 0.85rem 1rem;
    border: 1px solid var(--_border);
    border-inline-start: 4px solid var(--_state);
    border-radius: calc(var(--_radius) - 4px);
    background: var(--_bg);
  }
  /* Narrow cards (phones): the Retry button goes under the text instead of squeezing it. */
  @container (max-width: 30rem) {
    .card {
      padding: 1rem;
    }
    .check {
      grid-template-columns: 1.75rem 1fr;
      padding: 0.75rem;
    }
    .check > button,
    .check > span:last-child {
      grid-column: 2;
      justify-self: start;
    }
  }
  .check[data-state='running'] {
    --_state: var(--_accent);
  }
  .check[data-state='success'] {
    --_state: var(--_ok);
  }
  .check[data-state='failed'] {
    --_state: var(--_bad);
  }
  .icon {
    width: 1.5rem;
    height: 1.5rem;
    margin-top: 0.1rem;
    color: var(--_state);
  }
  .icon svg {
    width: 100%;
    height: 100%;
    fill: none;
    stroke: currentColor;
    stroke-width: 2.25;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  .check[data-state='running'] .icon svg {
    animation: eye-spin 0.9s linear infinite;
  }
  @keyframes eye-spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .check[data-state='running'] .icon svg {
      animation: none;
    }
  }
  h3 {
    margin: 0;
    font-size: 1rem;
  }
  .state {
    margin: 0;
    font-size: 0.875rem;
    font-weight: 600;
    color: var(--_state);
  }
  .check[data-state='default'] .state {
    font-weight: 400;
  }
  .message {
    margin: 0.25rem 0 0;
  }
  .details {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1rem;
    margin: 0.35rem 0 0;
    font-size: 0.8125rem;
    color: var(--_muted);
  }
  .details div {
    display: flex;
    gap: 0.3rem;
  }
  .details dt {
    font-weight: 600;
  }
  .details dd {
    margin: 0;
  }
  .fix {
    margin: 0.6rem 0 0;
    padding: 0.6rem 0.75rem;
    border-radius: 6px;
    background: var(--_fix-bg);
    font-size: 0.9rem;
  }
  .fix strong {
    color: var(--_bad);
  }
  .body {
    min-width: 0;
  }

  button {
    font: inherit;
    font-size: 0.9rem;
    font-weight: 600;
    padding: 0.45rem 0.9rem;
    border-radius: 6px;
    border: 1px solid var(--_border);
    background: var(--_subtle);
    color: inherit;
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    border-color: var(--_muted);
  }
  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.75rem;
    margin-top: 1.25rem;
  }
  .summary {
    margin: 0;
    font-weight: 600;
  }
  .summary[data-success='true'] {
    color: var(--_ok);
  }
  .summary[data-success='false'] {
    color: var(--_bad);
  }

  .calibration {
    margin-top: 1.5rem;
    padding-top: 1.25rem;
    border-top: 1px solid var(--_border);
  }
  .calibration p {
    margin: 0.25rem 0 0.75rem;
  }
  .calibration .layout {
    display: flex;
    flex-wrap: wrap;
    gap: 1rem;
    align-items: flex-start;
  }
  video {
    width: 12rem;
    aspect-ratio: 4 / 3;
    border-radius: 8px;
    background: #1f2328;
    object-fit: cover;
    transform: scaleX(-1);
  }
  video[hidden] {
    display: none;
  }
  progress {
    width: 100%;
    max-width: 20rem;
    height: 0.6rem;
    accent-color: var(--_accent);
  }
  .results {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.2rem 1rem;
    margin: 0.5rem 0 0;
    font-size: 0.9rem;
  }
  .results dt {
    color: var(--_muted);
  }
  .results dd {
    margin: 0;
    font-weight: 600;
  }
  .warning {
    margin: 0.6rem 0 0;
    padding: 0.6rem 0.75rem;
    border-radius: 6px;
    background: #fff8c5;
    color: #4d2d00;
  }

  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
