/**
 * React 18 host example: <eye-proctor> inside a React component, its events handled by React
 * state. No JSX (so no build step): `h` is React.createElement. React passes the hyphenated props
 * of a custom element as attributes, and `ref` gives the element for init/start/end and listeners.
 *
 * mountReactExam(container, { React, ReactDOM, session, config, events, onEvent }) -> { unmount }
 *   session: { relayUrl, token, sessionId, examId, candidateId } (from your backend)
 *   config:  extra widget config for init() (e.g. { snapshotIntervalMs: 60000 })
 *   events:  the event names to listen to (Object.values(Eye.Event))
 *   onEvent: optional (type, detail) callback, e.g. to forward flags to your own backend
 */
export function mountReactExam(container, { React, ReactDOM, session, config = {}, events, onEvent }) {
  const h = React.createElement;

  function ExamApp() {
    const widgetRef = React.useRef(null);
    const [phase, setPhase] = React.useState('ready');
    const [log, setLog] = React.useState([]);
    const [error, setError] = React.useState(null);

    // Listeners go on before init(), so the component sees every event; removed on unmount.
    React.useEffect(() => {
      const widget = widgetRef.current;
      const listeners = events.map((type) => {
        const listener = (e) => {
          setLog((entries) => [{ key: `${type}-${entries.length}`, type, id: e.detail?.id ?? null, at: new Date() }, ...entries]);
          if (type === 'PAUSED') setPhase('paused');
          if (type === 'RESUMED') setPhase('running');
          if (type === 'END_PROCTORING') setPhase('ended');
          onEvent?.(type, e.detail);
        };
        widget.addEventListener(type, listener);
        return [type, listener];
      });
      return () => listeners.forEach(([type, listener]) => widget.removeEventListener(type, listener));
    }, []);

    const start = async () => {
      try {
        await widgetRef.current.init(config);
        await widgetRef.current.start();
        setPhase('running');
      } catch (err) {
        setError(String(err?.message ?? err));
      }
    };
    const end = () => widgetRef.current.end();

    return h(
      'div',
      { className: 'react-exam' },
      h('div', { className: 'row' }, h('button', { type: 'button', onClick: start, disabled: phase !== 'ready' }, 'Start (React)'), h('button', { type: 'button', className: 'secondary', onClick: end, disabled: phase === 'ready' || phase === 'ended' }, 'End'), h('span', { className: 'badge', 'data-testid': 'phase' }, phase)),
      error ? h('p', { role: 'alert', className: 'badge bad' }, error) : null,
      h('eye-proctor', {
        ref: widgetRef,
        'exam-id': session.examId,
        'candidate-id': session.candidateId,
        'relay-url': session.relayUrl,
        'session-token': session.token,
        'session-id': session.sessionId,
      }),
      h('h3', null, 'Events in React state'),
      h('ol', { className: 'log', 'data-testid': 'log' }, log.map((entry) => h('li', { key: entry.key, 'data-type': entry.type, 'data-id': entry.id ?? '' }, h('time', null, entry.at.toLocaleTimeString()), ' ', entry.type))),
    );
  }

  const root = ReactDOM.createRoot(container);
  root.render(h(ExamApp));
  return { unmount: () => root.unmount() };
}
