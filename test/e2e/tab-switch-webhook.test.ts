import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../components/index.js';
import { Event, type FlagData } from '../../src/events.js';
import { createRelaySession, eventually, getSession, relayUrl, startReceiver, waitForWebhook } from './relay-commands.js';
import { proctorOnRelay, useIsolatedOutbox } from './widget-fixtures.js';

/*
 * A real tab switch (the test runner focuses another page, then comes back) -> TAB_NOT_FOCUS and
 * the return message through the outbox -> the relay's proctoring_event.tab_switch webhook carries
 * the time the candidate was away, and the session timeline shows it.
 */
describe('e2e: a real tab switch -> proctoring_event.tab_switch with duration_ms', function () {
  this.timeout(60_000);
  useIsolatedOutbox();

  it('delivers a signed tab_switch whose duration_ms is the away time the widget measured', async () => {
    await startReceiver();
    const url = await relayUrl();
    const session = await createRelaySession('exam-e2e-tab');
    const el = await proctorOnRelay(session, url);
    const flags: FlagData[] = [];
    const returns: { awayMs?: number; flagId?: string }[] = [];
    el.addEventListener(Event.TAB_NOT_FOCUS, (e) => flags.push(e.detail));
    el.addEventListener(Event.TAB_FOCUS_CHANGE, (e) => {
      if (e.detail.focused) returns.push(e.detail);
    });
    await el.init({ camera: false, microphone: false, fullscreen: false, snapshotIntervalMs: 0 });
    await el.start();

    const { awayMs } = await executeServerCommand<{ awayMs: number }, unknown>('eye-switch-tab', { awayMs: 700 });
    await eventually(() => returns.length === 1);
    expect(flags).to.have.length(1);
    expect(returns[0]!.flagId).to.equal(flags[0]!.id);
    const measured = returns[0]!.awayMs!;
    expect(measured).to.be.at.least(awayMs);

    const hook = await waitForWebhook('proctoring_event.tab_switch', { flagId: flags[0]!.id });
    expect(hook.verified).to.deep.equal({ standard: true, classic: true, classicReason: null });
    expect(hook.envelope.data.session_id).to.equal(session.sessionId);
    expect(hook.envelope.data.duration_ms).to.equal(measured);
    expect(hook.envelope.data.count_this_session).to.equal(1);

    const view = await getSession(session.sessionId);
    const stored = view.flags.find((f) => f.id === flags[0]!.id)!;
    expect((stored.details as { durationMs?: number }).durationMs).to.equal(measured);
    await el.end();
  });
});
