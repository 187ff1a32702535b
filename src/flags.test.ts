import { expect } from '@open-wc/testing';
import { EyeEvent, FLAG_DESCRIPTIONS } from './events.js';
import { createFlagFactory, randomUUID } from './flags.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('flag factory', () => {
  it('builds complete flags: id, createdAt ISO, exam, candidate, session, default description', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const flag = createFlagFactory({ examId: 'x', candidateId: 'y', sessionId: 's' }, () => at)(EyeEvent.TAB_NOT_FOCUS);
    expect(flag).to.deep.include({
      type: EyeEvent.TAB_NOT_FOCUS,
      examId: 'x',
      candidateId: 'y',
      sessionId: 's',
      createdAt: '2026-01-02T03:04:05.678Z',
      description: FLAG_DESCRIPTIONS[EyeEvent.TAB_NOT_FOCUS],
    });
    expect(flag.id).to.match(UUID_V4);
  });

  it('omits sessionId when there is none and keeps given details and description', () => {
    const flag = createFlagFactory({ examId: 'x', candidateId: 'y', sessionId: null })(EyeEvent.SOUND_DETECTED, 'Loud', {
      peakDb: -12,
      durationMs: 800,
    });
    expect(flag).to.not.have.property('sessionId');
    expect(flag.description).to.equal('Loud');
    expect(flag.details).to.deep.equal({ countThisSession: 1, peakDb: -12, durationMs: 800 });
  });

  it('numbers flags per type within one factory (one session)', () => {
    const flag = createFlagFactory({ examId: 'x', candidateId: 'y' });
    const counts = [
      flag(EyeEvent.TAB_NOT_FOCUS),
      flag(EyeEvent.EXIT_FULLSCREEN),
      flag(EyeEvent.TAB_NOT_FOCUS),
      flag(EyeEvent.TAB_NOT_FOCUS),
    ].map((f) => `${f.type}:${f.details?.countThisSession}`);
    expect(counts).to.deep.equal(['TAB_NOT_FOCUS:1', 'EXIT_FULLSCREEN:1', 'TAB_NOT_FOCUS:2', 'TAB_NOT_FOCUS:3']);
    expect(createFlagFactory({ examId: 'x', candidateId: 'y' })(EyeEvent.TAB_NOT_FOCUS).details?.countThisSession).to.equal(1);
  });

  it('never repeats an id', () => {
    const flag = createFlagFactory({ examId: 'x', candidateId: 'y' });
    const ids = new Set(Array.from({ length: 1000 }, () => flag(EyeEvent.PERIODIC_SNAPSHOT).id));
    expect(ids.size).to.equal(1000);
  });

  it('makes v4 UUIDs without crypto.randomUUID (insecure contexts)', () => {
    // An own property shadows Crypto.prototype.randomUUID; deleting it restores the browser's.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const ids = Array.from({ length: 50 }, () => randomUUID());
      for (const id of ids) expect(id).to.match(UUID_V4);
      expect(new Set(ids).size).to.equal(50);
    } finally {
      Reflect.deleteProperty(crypto, 'randomUUID');
    }
  });
});
