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
 *
 * @typedef {{ relayUrl: string, token: string, sessionId: string, examId: string, candidateId: string }} ExamSession
 * @typedef {{ id?: string } | undefined} EventDetail
 * @typedef {HTMLElement & { init(config: Record<string, unknown>): Promise<unknown>, start(): Promise<unknown>, end(): Promise<unknown> }} EyeProctorElement
 *   the parts of <eye-proctor> this example uses
 * @typedef {{ key: string, type: string, id: string | null, at: Date }} LogEntry
 * @typedef {{
 *   createElement: (type: unknown, props?: Record<string, unknown> | null, ...children: unknown[]) => unknown,
 *   useRef<T>(initial: T): { current: T },
 *   useState<T>(initial: T): [T, (next: T | ((previous: T) => T)) => void],
 *   useEffect(effect: () => void | (() => void), deps?: unknown[]): void,
 * }} ReactApi the parts of React this example uses
 * @typedef {{ createRoot(container: Element): { render(node: unknown): void, unmount(): void } }} ReactDomApi
 *
 * @param {Element} container
 * @param {{ React: ReactApi, ReactDOM: ReactDomApi, session: ExamSession, config?: Record<string, unknown>, events: string[], onEvent?: (type: string, detail: EventDetail) => void }} options
 */
export function mountReactExam(container, { React, ReactDOM, session, config = {}, events, onEvent }) {
  const h = React.createElement;

  function ExamApp() {
    const widgetRef = React.useRef(/** @type {EyeProctorElement | null} */ (null));
    const [phase, setPhase] = React.useState('ready');
    const [log, setLog] = React.useState(/** @type {LogEntry[]} */ ([]));
    const [error, setError] = React.useState(/** @type {string | null} */ (null));

    // Listeners go on before init(), so the component sees every event; removed on unmount.
    React.useEffect(() => {
      const widget = widgetRef.current;
      const listeners = events.map((type) => {
        /** @param {Event} e */
        const listener = (e) => {
          const detail = /** @type {CustomEvent<EventDetail>} */ (e).detail;
          setLog((entries) => [{ key: `${type}-${entries.length}`, type, id: detail?.id ?? null, at: new Date() }, ...entries]);
          if (type === 'PAUSED') setPhase('paused');
          if (type === 'RESUMED') setPhase('running');
          if (type === 'END_PROCTORING') setPhase('ended');
          onEvent?.(type, detail);
        };
        widget.addEventListener(type, listener);
        return /** @type {const} */ ([type, listener]);
      });
      return () => {
        listeners.forEach(([type, listener]) => {
          widget.removeEventListener(type, listener);
        });
      };
    }, []);

    const start = async () => {
      try {
        await widgetRef.current.init(config);
        await widgetRef.current.start();
        setPhase('running');
      } catch (err) {
        setError(String(/** @type {{ message?: unknown } | undefined} */ (err)?.message ?? err));
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
  return {
    unmount: () => {
      root.unmount();
    },
  };
}
