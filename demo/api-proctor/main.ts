/**
 * The demo's API proctor view (/demo/api-proctor/): what an LMS backend's own proctor screen does with
 * the relay's public API and the typed client `eye-relay/client` (openapi-fetch over the types
 * generated from openapi.json): list sessions, read one session's flags and incidents, resolve or
 * dismiss an incident, pause / resume. Every path, parameter and body is checked by
 * `npm run typecheck`; `npm run build:demo` bundles it for the browser (demo/api-proctor/build/).
 * It uses the demo tenant's public development key from /demo/api/info (demo mode only: a real API
 * key never reaches a browser). The full staff UI is the review console (/console).
 */
import { createRelayClient, type paths } from '../../backend-stub/src/client/index.js';

type IncidentList = paths['/v1/incidents']['get']['responses'][200]['content']['application/json'];
type Incident = NonNullable<IncidentList['incidents']>[number];

const info = (await (await fetch('/demo/api/info')).json()) as { apiKey: string };
const relay = createRelayClient({ baseUrl: location.origin, token: info.apiKey });

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'dataset'>> & { data?: Record<string, string> };
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, { data = {}, ...props }: Props<K> = {}, ...children: (Node | string | null)[]) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, data); // dataset is read-only: its entries are set one by one
  node.append(...children.filter((c) => c !== null));
  return node;
};
const time = (iso?: string | null) => (iso ? new Date(iso).toLocaleTimeString() : '');
/** An element of index.html. */
const part = (selector: string): HTMLElement => {
  const found = document.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`index.html has no ${selector}`);
  return found;
};
/** An id the relay always sends, though the OpenAPI schema leaves it optional. */
const idOf = (row: { id?: string }): string => {
  if (row.id === undefined) throw new Error('relay row without an id');
  return row.id;
};
const status = part('#status');
let selected: string | null = null;

/** Runs an API call; a refusal shows the relay's `{ error, message }` instead of throwing. */
async function act(call: () => Promise<{ error?: { message?: string } }>): Promise<void> {
  const { error } = await call();
  status.textContent = error ? `Refused: ${error.message ?? 'error'}` : 'Done.';
  await refresh();
}

async function refreshSessions(): Promise<void> {
  const { data } = await relay.GET('/v1/sessions', { params: { query: { limit: 20 } } });
  const rows = (data?.sessions ?? []).map((s) => {
    const id = idOf(s);
    const path = { path: { id } };
    const setStatus = (label: string, to: 'IN_PROGRESS' | 'PAUSED') =>
      el('button', { type: 'button', className: 'secondary', textContent: label, onclick: () => act(() => relay.POST('/v1/sessions/{id}/status', { params: path, body: { status: to, reason: 'demo API proctor view' } })) });
    return el(
      'tr',
      { data: { sessionId: id } },
      el('td', {}, s.candidate_id ?? ''),
      el('td', { className: 'status' }, s.status ?? ''),
      el('td', {}, (s.risk_score ?? 0).toFixed(2)),
      el('td', {}, time(s.created_at)),
      el(
        'td',
        { className: 'row' },
        el('button', { type: 'button', textContent: 'View', onclick: () => ((selected = id), void refreshDetail()) }),
        s.status === 'IN_PROGRESS' ? setStatus('Pause', 'PAUSED') : s.status === 'PAUSED' ? setStatus('Resume', 'IN_PROGRESS') : null,
      ),
    );
  });
  part('#sessions').replaceChildren(...rows);
}

function incidentRow(i: Incident): HTMLTableRowElement {
  const id = idOf(i);
  const change = (label: string, to: 'RESOLVED' | 'DISMISSED') =>
    el('button', {
      type: 'button',
      className: 'secondary',
      textContent: label,
      disabled: i.status === to,
      onclick: () => act(() => relay.PATCH('/v1/incidents/{id}', { params: { path: { id } }, body: { status: to, resolution_notes: `${label} in the demo API proctor view` } })),
    });
  return el('tr', { data: { incidentId: id } }, el('td', {}, i.description ?? ''), el('td', {}, i.severity ?? ''), el('td', { className: 'status' }, i.status ?? ''), el('td', { className: 'row' }, change('Resolve', 'RESOLVED'), change('Dismiss', 'DISMISSED')));
}

async function refreshDetail(): Promise<void> {
  if (!selected) return;
  const [{ data: s }, { data: incidents }] = await Promise.all([
    relay.GET('/v1/sessions/{id}', { params: { path: { id: selected } } }),
    relay.GET('/v1/incidents', { params: { query: { session_id: selected } } }),
  ]);
  if (!s) return;
  part('#detail').replaceChildren(
    el('p', { className: 'mono' }, `${s.id} · ${s.candidate_id} · ${s.status} · risk ${(s.risk_score ?? 0).toFixed(2)}`),
    el('h3', { textContent: 'Incidents' }),
    el('div', { className: 'scroll' }, el('table', { id: 'incidents' }, el('tbody', {}, ...(incidents?.incidents ?? []).map(incidentRow)))),
    el('h3', { textContent: `Flags (${s.flags?.length ?? 0})` }),
    el('ol', { className: 'log', id: 'flags' }, ...[...(s.flags ?? [])].reverse().map((f) => el('li', { data: { type: f.type ?? '' } }, el('time', {}, time(f.created_at)), ` ${f.type}`))),
  );
}

async function refresh(): Promise<void> {
  await Promise.all([refreshSessions(), refreshDetail()]);
}

part('#refresh').addEventListener('click', () => void refresh());
await refresh();
document.body.dataset.ready = 'true';
