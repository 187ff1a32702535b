import { expect } from '@open-wc/testing';
import { Event, EyeEvent, FLAG_EVENTS, isFlagEvent, isMediaFlagEvent } from './events.js';

describe('events', () => {
  it('uses the enum names as string values', () => {
    for (const [k, v] of Object.entries(Event)) expect(k).to.equal(v);
    expect(EyeEvent.FACE_ABSENCE).to.equal('FACE_ABSENCE');
  });
  it('classifies flags and media flags', () => {
    expect(FLAG_EVENTS).to.include(Event.TAB_NOT_FOCUS);
    expect(isFlagEvent('STARTED')).to.equal(false);
    expect(isMediaFlagEvent('SOUND_DETECTED')).to.equal(true);
    expect(isMediaFlagEvent('TAB_NOT_FOCUS')).to.equal(false);
  });
});
