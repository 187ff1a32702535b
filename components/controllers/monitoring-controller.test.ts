import { expect, fixture, html } from '@open-wc/testing';
import { LitElement } from 'lit';
import { Observable, interval, map } from 'rxjs';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { Detector } from '../../src/detectors/types.js';
import { EyeEventBus } from '../../src/event-bus.js';
import { EyeEvent, type EyeEmission } from '../../src/events.js';
import { createFlagFactory } from '../../src/flags.js';
import { MonitoringController } from './monitoring-controller.js';

class MonitorHost extends LitElement {
  bus = new EyeEventBus();
  monitoring = new MonitoringController(this, this.bus);
}
customElements.define('eye-monitor-host', MonitorHost);

const config = { ...DEFAULT_CONFIG, examId: 'e', candidateId: 'c' };
const ctx = { config, flag: createFlagFactory(config), media: null, window, document };

/** A detector that emits a flag every 10 ms and records whether it is subscribed. */
function ticking(state: { active: number }): Detector {
  return (c) =>
    new Observable<EyeEmission>((sub) => {
      state.active++;
      const s = interval(10)
        .pipe(map((): EyeEmission => ({ type: EyeEvent.DEVTOOLS_OPEN, payload: c.flag(EyeEvent.DEVTOOLS_OPEN) })))
        .subscribe(sub);
      return () => {
        state.active--;
        s.unsubscribe();
      };
    });
}

describe('MonitoringController', () => {
  it('forwards detector events to the bus; a failing detector does not stop the others', async () => {
    const host = await fixture<MonitorHost>(html`<eye-monitor-host></eye-monitor-host>`);
    const state = { active: 0 };
    const broken: Detector = () => {
      throw new Error('no camera model');
    };
    const seen: string[] = [];
    host.bus.events$.subscribe((e) => seen.push(e.type));
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      host.monitoring.start([broken, ticking(state)], ctx);
    } finally {
      console.error = originalError;
    }
    await new Promise((r) => setTimeout(r, 60));
    expect(errors).to.have.length(1);
    expect(state.active).to.equal(1);
    expect(seen.length).to.be.greaterThan(0);
    host.monitoring.stop();
    expect(state.active).to.equal(0);
  });

  it('unsubscribes every detector when the host leaves the DOM', async () => {
    const host = await fixture<MonitorHost>(html`<eye-monitor-host></eye-monitor-host>`);
    const state = { active: 0 };
    host.monitoring.start([ticking(state), ticking(state)], ctx);
    expect(state.active).to.equal(2);
    host.remove();
    await new Promise((r) => setTimeout(r, 0)); // leaving is decided at the end of the task
    expect(state.active).to.equal(0);
    expect(host.monitoring.running).to.equal(false);
  });

  it('keeps the detectors running when the host is moved (remove + append in the same task)', async () => {
    const host = await fixture<MonitorHost>(html`<eye-monitor-host></eye-monitor-host>`);
    const state = { active: 0 };
    host.monitoring.start([ticking(state), ticking(state)], ctx);
    const elsewhere = document.createElement('div');
    document.body.append(elsewhere);
    host.remove();
    elsewhere.append(host);
    await new Promise((r) => setTimeout(r, 20));
    expect(state.active).to.equal(2);
    expect(host.monitoring.running).to.equal(true);
    host.monitoring.stop();
    elsewhere.remove();
  });
});
