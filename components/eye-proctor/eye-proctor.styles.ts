import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font-family: var(--eye-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_radius: var(--eye-radius, 14px);
    --_bg: var(--eye-status-bg, #ffffff);
    --_fg: var(--eye-status-fg, #1f2328);
    --_border: var(--eye-status-border, #d0d7de);
    --_on: var(--eye-status-on, #1a7f37);
    --_off: var(--eye-status-off, #6e7781);
    --_paused: var(--eye-status-paused, #9a6700);
    --_warning: var(--eye-warning-fg, #a40e26);
    --_accent: var(--eye-accent, #0969da);
    --_accent-fg: var(--eye-accent-fg, #ffffff);
  }
  :host([hidden]) {
    display: none;
  }

  .status {
    --_state: var(--_off);
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5em;
    max-width: 100%;
    box-sizing: border-box;
    padding-block: 0.3em;
    padding-inline: 0.55em 0.8em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
    font-size: 0.8125rem;
    line-height: 1.4;
    box-shadow: 0 1px 2px rgb(0 0 0 / 0.06);
  }
  .status[data-state='on'] {
    --_state: var(--_on);
  }
  .status[data-state='paused'] {
    --_state: var(--_paused);
  }

  .icon {
    flex: none;
    width: 1.15em;
    height: 1.15em;
    fill: none;
    stroke: var(--_state);
    stroke-width: 2;
  }
  .icon circle {
    fill: var(--_state);
    stroke: none;
  }
  .status[data-state='on'] .icon {
    animation: eye-blink 6s ease-in-out infinite;
    transform-origin: center;
  }
  @keyframes eye-blink {
    0%, 96%, 100% { transform: scaleY(1); }
    98% { transform: scaleY(0.15); }
  }
  @media (prefers-reduced-motion: reduce) {
    .status[data-state='on'] .icon {
      animation: none;
    }
  }

  .label {
    font-weight: 600;
    white-space: nowrap;
  }

  /* Warnings wrap rather than being cut off: the candidate must be able to read all of it at 320 px. */
  .warning,
  .identity-status,
  .relay-status {
    min-width: 0;
    flex: 1 1 12em;
    overflow-wrap: anywhere;
    padding-inline-start: 0.6em;
    border-inline-start: 1px solid var(--_border);
  }
  .warning {
    color: var(--_warning);
  }
  .warning time {
    margin-inline-start: 0.35em;
    color: var(--_fg);
    font-variant-numeric: tabular-nums;
  }

  eye-consent {
    margin-block: 0.75rem;
  }

  .prompt {
    max-width: min(26rem, calc(100vw - 2rem));
    box-sizing: border-box;
    padding: 1.5rem;
    border: none;
    border-radius: 12px;
    background: var(--_bg);
    color: var(--_fg);
    box-shadow: 0 10px 40px rgb(0 0 0 / 0.3);
    text-align: center;
  }
  .prompt::backdrop {
    background: rgb(15 23 42 / 0.7);
  }
  .prompt h2 {
    margin: 0 0 0.5rem;
    font-size: 1.15rem;
  }
  .prompt p {
    margin: 0 0 1.25rem;
  }
  .prompt button {
    font: inherit;
    font-weight: 600;
    padding: 0.6em 1.2em;
    border: none;
    border-radius: 8px;
    background: var(--_accent);
    color: var(--_accent-fg);
    cursor: pointer;
  }
  .prompt button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;
