import { expect } from '@open-wc/testing';
import { EyeEventBus } from './event-bus.js';
import { EyeEvent } from './events.js';

describe('EyeEventBus', () => {
  it('delivers in emission order to events$, select() and on()', () => {
    const bus = new EyeEventBus();
    const all: string[] = [];
    const configs: unknown[] = [];
    bus.events$.subscribe((e) => all.push(e.type));
    bus.select(EyeEvent.SET_CONFIG).subscribe((p) => configs.push(p.config));
    bus.emit(EyeEvent.SET_CONFIG, { config: { a: 1 } });
    bus.emit(EyeEvent.STARTED, undefined);
    bus.push({ type: EyeEvent.FULLSCREEN_CHANGE, payload: { fullscreen: true } });
    expect(all).to.deep.equal(['SET_CONFIG', 'STARTED', 'FULLSCREEN_CHANGE']);
    expect(configs).to.deep.equal([{ a: 1 }]);
  });

  it('is hot: a late subscriber sees only later events', () => {
    const bus = new EyeEventBus();
    bus.emit(EyeEvent.STARTED, undefined);
    const seen: string[] = [];
    bus.events$.subscribe((e) => seen.push(e.type));
    bus.emit(EyeEvent.END_PROCTORING, undefined);
    expect(seen).to.deep.equal(['END_PROCTORING']);
  });

  it('keeps going when a listener throws, and reports the error', () => {
    const bus = new EyeEventBus();
    const reported: unknown[] = [];
    // reportError() dispatches a window error event, as an uncaught DOM listener error would;
    // take it over from mocha for the duration.
    const mochaOnError = window.onerror;
    window.onerror = (_msg, _src, _line, _col, error) => {
      reported.push(error);
      return true;
    };
    const calls: string[] = [];
    bus.on(EyeEvent.STARTED, () => {
      throw new Error('host bug');
    });
    bus.on(EyeEvent.STARTED, () => calls.push('second'));
    try {
      bus.emit(EyeEvent.STARTED, undefined);
      bus.emit(EyeEvent.STARTED, undefined);
    } finally {
      window.onerror = mochaOnError;
    }
    expect(calls).to.deep.equal(['second', 'second']);
    expect(reported.map((e) => (e as Error).message)).to.deep.equal(['host bug', 'host bug']);
  });

  it('on() returns an unsubscribe', () => {
    const bus = new EyeEventBus();
    let n = 0;
    const off = bus.on(EyeEvent.STARTED, () => n++);
    bus.emit(EyeEvent.STARTED, undefined);
    off();
    bus.emit(EyeEvent.STARTED, undefined);
    expect(n).to.equal(1);
  });
});
