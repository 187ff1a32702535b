import { css } from 'lit';

export const styles = css`
  :host { display: block; }
  :host([hidden]) { display: none; }
  header.summary { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: baseline; }
  header.summary h2 { margin: 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; margin: 0.5rem 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  .risk { font-size: 1.6rem; font-weight: 700; }
  ol.timeline { list-style: none; padding: 0; margin: 0; }
  ol.timeline li { display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.5rem; padding: 0.5rem 0; border-bottom: 1px solid #d8dee4; }
  ol.timeline img { max-width: min(320px, 100%); border-radius: 6px; display: block; margin-top: 0.3rem; }
  ol.timeline audio { display: block; margin-top: 0.3rem; max-width: 100%; }
  .compare { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-start; }
  .history { margin: 0.25rem 0 0; padding-left: 1.1rem; font-size: 0.9rem; }
  .toolbar { display: flex; gap: 0.5rem; flex-wrap: wrap; }
  @media (max-width: 600px) {
    ol.timeline li { grid-template-columns: 1fr; }
  }
  @media print {
    .toolbar { display: none; }
    .card { border: none; padding: 0; }
    ol.timeline li { break-inside: avoid; }
  }
`;
