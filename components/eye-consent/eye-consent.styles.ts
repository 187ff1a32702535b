import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font-family: var(--eye-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--eye-fg, #1f2328);
  }
  :host([hidden]) {
    display: none;
  }
  .panel {
    box-sizing: border-box;
    max-width: 40rem;
    padding: 1.25rem;
    border: 1px solid var(--eye-border, #d0d7de);
    border-radius: var(--eye-panel-radius, 12px);
    background: var(--eye-bg, #ffffff);
    line-height: 1.5;
    overflow-wrap: anywhere;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.25rem;
  }
  h2:focus {
    outline: none;
  }
  h3 {
    margin: 1rem 0 0.25rem;
    font-size: 1rem;
  }
  p,
  ul {
    margin: 0 0 0.5rem;
  }
  ul {
    padding-inline-start: 1.25rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    margin-top: 1rem;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 44px;
    padding: 0.5em 1.1em;
    border-radius: 8px;
    border: 1px solid var(--eye-border-strong, #57606a);
    background: var(--eye-bg, #ffffff);
    color: var(--eye-fg, #1f2328);
    cursor: pointer;
  }
  button.primary {
    border-color: var(--eye-accent, #0969da);
    background: var(--eye-accent, #0969da);
    color: var(--eye-accent-fg, #ffffff);
  }
  button:focus-visible {
    outline: 3px solid var(--eye-accent, #0969da);
    outline-offset: 2px;
  }
  .declined {
    margin-top: 0.75rem;
  }
`;
