/**
 * The demo proctor view. It uses the relay's public API the way an LMS backend would (with the
 * demo tenant's public development key), and the built-in webhook receiver's live feed (SSE).
 */
const info = await (await fetch('/demo/api/info')).json();
const api = async (method, path, body) => {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${info.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json?.message ?? ''}`);
  return json;
};

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
const badge = (text, kind = '') => el('span', { className: `badge ${kind}`, textContent: text });
const statusKind = (s) => ({ IN_PROGRESS: 'ok', COMPLETED: '', PAUSED: 'warn', STOPPED: 'bad', SUSPENDED: 'bad' })[s] ?? '';

function mediaElement(url, contentType, label) {
  if (!url) return null;
  if ((contentType ?? '').startsWith('audio/')) return el('audio', { src: url, controls: true, preload: 'none' });
  return el('a', { href: url, target: '_blank' }, el('img', { src: url, className: 'thumb', alt: label, loading: 'lazy' }));
}

let selected = null;

async function refreshSessions() {
  const { sessions } = await (await fetch('/demo/api/sessions')).json();
  const rows = sessions.map((s) => {
    const act = (label, status) =>
      el('button', {
        className: 'secondary',
        textContent: label,
        onclick: async () => {
          await api('POST', `/v1/sessions/${s.id}/status`, { status }).catch(alert);
          await refreshAll();
        },
      });
    const ended = ['COMPLETED', 'STOPPED', 'SUSPENDED'].includes(s.status);
    return el(
      'tr',
      {},
      el('td', {}, s.candidate_id),
      el('td', {}, badge(s.status, statusKind(s.status))),
      el('td', {}, (s.risk_score ?? 0).toFixed(2)),
      el('td', {}, time(s.created_at)),
      el(
        'td',
        { className: 'row' },
        el('button', { textContent: 'View', onclick: () => select(s.id) }),
        ended ? null : s.status === 'PAUSED' ? act('Resume', 'IN_PROGRESS') : act('Pause', 'PAUSED'),
        ended ? null : act('Stop', 'STOPPED'),
      ),
    );
  });
  document.querySelector('#sessions').replaceChildren(...rows);
  if (!selected && sessions[0]) select(sessions[0].id);
}

async function select(id) {
  selected = id;
  await refreshDetail();
}

async function refreshDetail() {
  if (!selected) return;
  const s = await api('GET', `/v1/sessions/${selected}`);
  document.querySelector('#detail-id').textContent = s.id;
  const summary = Object.entries(s.events_summary)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k.replace(/_/g, ' ')}: ${n}`)
    .join(' · ');
  const flags = el(
    'ol',
    { className: 'log' },
    ...[...s.flags].reverse().map((f) =>
      el('li', {}, el('time', { textContent: time(f.created_at) }), el('span', { textContent: `${f.type}${f.description && f.description !== f.type ? `: ${f.description}` : ''}` }), mediaElement(f.media_url, f.media?.content_type, f.type)),
    ),
  );
  const incidents = s.incidents.length
    ? el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['Incident', 'Severity', 'Status', ''].map((h) => el('th', { textContent: h })))),
        el(
          'tbody',
          {},
          ...s.incidents.map((i) =>
            el(
              'tr',
              {},
              el('td', { textContent: i.description }),
              el('td', {}, badge(i.severity, i.severity === 'HIGH' ? 'bad' : 'warn')),
              el('td', { textContent: i.status }),
              el(
                'td',
                { className: 'row' },
                ...['RESOLVED', 'DISMISSED'].map((status) =>
                  el('button', {
                    className: 'secondary',
                    textContent: status === 'RESOLVED' ? 'Resolve' : 'Dismiss',
                    disabled: i.status === status,
                    onclick: async () => {
                      await api('PATCH', `/v1/incidents/${i.id}`, { status, resolution_notes: `${status.toLowerCase()} in the demo proctor view` }).catch(alert);
                      await refreshDetail();
                    },
                  }),
                ),
              ),
            ),
          ),
        ),
      )
    : el('p', { className: 'muted', textContent: 'No incidents.' });
  document.querySelector('#detail').replaceChildren(
    el('p', {}, badge(s.status, statusKind(s.status)), ` risk ${Number(s.risk_score).toFixed(2)} · ${s.candidate_id} · ${summary || 'no flags yet'}`),
    el('h3', { textContent: 'Incidents' }),
    incidents,
    el('h3', { textContent: `Timeline (${s.flags.length})` }),
    flags,
  );
}

async function refreshDeliveries() {
  if (!info.webhookEndpointId) return;
  const { deliveries } = await api('GET', `/v1/webhooks/endpoints/${info.webhookEndpointId}/deliveries?limit=30`);
  document.querySelector('#deliveries').replaceChildren(
    ...deliveries.map((d) => {
      const last = d.attempts.at(-1);
      return el(
        'tr',
        {},
        el('td', { className: 'mono', textContent: d.eventType }),
        el('td', {}, badge(d.status, d.status === 'delivered' ? 'ok' : d.status === 'pending' ? 'warn' : 'bad')),
        el('td', { textContent: String(d.attemptCount) }),
        el('td', { textContent: d.lastStatusCode ?? last?.error ?? '' }),
        el('td', { textContent: last?.latencyMs != null ? `${last.latencyMs} ms` : '' }),
        el('td', { textContent: time(d.createdAt) }),
      );
    }),
  );
}

async function refreshAll() {
  await Promise.all([refreshSessions(), refreshDetail(), refreshDeliveries()]).catch((err) => console.error(err));
}

// Live webhooks: the built-in receiver pushes every delivery it verified (or refused).
const live = document.querySelector('#live');
const feedState = document.querySelector('#feed-state');
const feed = new EventSource('/demo/feed');
feed.onopen = () => {
  feedState.textContent = 'live';
  feedState.className = 'badge ok';
};
feed.onerror = () => {
  feedState.textContent = 'reconnecting…';
  feedState.className = 'badge warn';
};
let refreshTimer = null;
feed.addEventListener('webhook', (e) => {
  const item = JSON.parse(e.data);
  const env = item.envelope ?? {};
  const data = env.data ?? {};
  const verified = item.verified.classic && item.verified.standard;
  live.prepend(
    el(
      'li',
      {},
      el('time', { textContent: time(item.receivedAt) }),
      el(
        'span',
        {},
        el('strong', { className: 'mono', textContent: env.event_type }),
        ' ',
        badge(verified ? 'signature ✓' : 'signature ✗', verified ? 'ok' : 'bad'),
        data.urgent ? badge('urgent', 'bad') : null,
        el('br'),
        el('span', { className: 'muted mono', textContent: `${data.candidate_id ?? ''} ${data.session_id ?? ''}` }),
        data.incident ? el('div', { textContent: `incident ${data.incident.status} ${data.incident.severity}: ${data.incident.description}` }) : null,
      ),
      mediaElement(data.media_url, env.event_type === 'proctoring_event.audio_anomaly' ? 'audio/webm' : 'image/jpeg', env.event_type),
    ),
  );
  while (live.children.length > 100) live.lastElementChild.remove();
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshAll, 300);
});

await refreshAll();
setInterval(refreshAll, 5000);
