import { css } from 'lit';

export const styles = css`
  :host { display: block; min-height: 100vh; background: #f6f8fa; }
  header.bar { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; padding: 0.6rem 1rem; background: #1f2328; color: #fff; }
  header.bar h1 { font-size: 1.1rem; margin: 0; }
  header.bar nav { display: flex; gap: 0.25rem; flex-wrap: wrap; }
  header.bar nav a { color: #fff; padding: 0.3rem 0.6rem; border-radius: 6px; text-decoration: none; }
  header.bar nav a[aria-current='page'] { background: #424a53; }
  header.bar .who { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; }
  header.bar button.secondary { background: transparent; color: #fff; border-color: #8c959f; }
  main { padding: 0.75rem 1rem 2rem; max-width: 1400px; margin: 0 auto; }
  form.sign-in { max-width: 24rem; margin: 3rem auto; display: flex; flex-direction: column; gap: 0.75rem; }
  form.sign-in input { width: 100%; box-sizing: border-box; }
  @media print {
    header.bar { display: none; }
    :host { background: #fff; }
  }
`;
