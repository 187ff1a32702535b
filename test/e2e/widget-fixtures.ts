import { fixture, html } from '@open-wc/testing';
import '../../components/index.js';
import { RelayController } from '../../components/controllers/relay-controller.js';
import type { EyeProctor } from '../../components/eye-proctor/eye-proctor.js';
import type { RelaySession } from './relay-commands.js';

/**
 * For the enclosing mocha suite: every widget gets an outbox database of its own (deleted after)
 * and quick retries, so tests neither see each other's queued flags nor wait for real backoff.
 * `scope`: per test (`each`, default) or once for the suite (`all`).
 */
export function useIsolatedOutbox(prefix = 'eye-e2e', scope: 'each' | 'all' = 'each'): void {
  const saved = RelayController.defaults;
  const [setUp, tearDown] = scope === 'each' ? [beforeEach, afterEach] : [before, after];
  setUp(() => {
    RelayController.defaults = { dbName: `${prefix}-${Math.random().toString(36).slice(2)}`, backoff: { baseMs: 200, maxMs: 1000, factor: 2 } };
  });
  tearDown(() => {
    indexedDB.deleteDatabase(RelayController.defaults.dbName!);
    RelayController.defaults = saved;
  });
}

/** An `<eye-proctor>` wired to a relay session (optionally seeing `stream` instead of a camera). */
export function proctorOnRelay(session: RelaySession & { examId: string; candidateId: string }, relayUrl: string, stream?: MediaStream): Promise<EyeProctor> {
  return fixture<EyeProctor>(html`<eye-proctor
    consent="external"
    .mediaStream=${stream ?? null}
    exam-id=${session.examId}
    candidate-id=${session.candidateId}
    relay-url=${relayUrl}
    session-token=${session.token}
    session-id=${session.sessionId}
  ></eye-proctor>`);
}
