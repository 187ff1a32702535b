import { css } from 'lit';

/**
 * Shared look of the console elements: readable type, tables that scroll inside their box on
 * narrow screens (tablets at 768 px), high-contrast badges (WCAG AA), visible focus.
 */
export const consoleStyles = css`
  :host {
    font-family: var(--eye-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--eye-fg, #1f2328);
    font-size: 15px;
    line-height: 1.45;
  }
  h2 { font-size: 1.2rem; margin: 1rem 0 0.5rem; }
  h3 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
  .card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 0.75rem 1rem; margin-bottom: 1rem; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  th { font-weight: 600; background: #f6f8fa; }
  button, .button {
    font: inherit; font-size: 0.9rem; padding: 0.35rem 0.75rem; border-radius: 6px; cursor: pointer;
    border: 1px solid #1f6feb; background: #0b5cd5; color: #fff; text-decoration: none; display: inline-block;
  }
  button.secondary, .button.secondary { background: #fff; color: #0b4fb3; border-color: #8c959f; }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #0969da; outline-offset: 1px; }
  a { color: #0550ae; }
  input, select, textarea { font: inherit; font-size: 0.95rem; padding: 0.3rem 0.4rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: inherit; }
  label { display: inline-flex; flex-direction: column; gap: 0.15rem; font-size: 0.85rem; font-weight: 600; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-end; }
  .muted { color: #57606a; }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; word-break: break-all; }
  .badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
  .badge.ok { background: #dafbe1; color: #0a5c24; border-color: #8ddb9f; }
  .badge.warn { background: #fff1c2; color: #6b4a00; border-color: #e3c35f; }
  .badge.bad { background: #ffe2e0; color: #8f1218; border-color: #f1a6a3; }
  .badge.neutral { background: #eaeef2; color: #32383f; border-color: #c4cbd3; }
  .error { color: #8f1218; background: #ffe2e0; border: 1px solid #f1a6a3; border-radius: 6px; padding: 0.4rem 0.6rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
