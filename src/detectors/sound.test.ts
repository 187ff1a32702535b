import { expect } from '@open-wc/testing';
import { firstValueFrom, takeUntil, timer, toArray } from 'rxjs';
import { Event, type FlagDataWithFile } from '../events.js';
import { soundDetector } from './sound.js';
import { fakeMicrophone, type FakeMicrophone } from '../../test/fixtures/fake-media.js';
import { detectorContext } from '../../test/fixtures/detector-context.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real WebAudio tone through a MediaStreamAudioDestinationNode is the microphone. */
describe('soundDetector', function () {
  this.timeout(30000);
  let mic: FakeMicrophone | undefined;
  afterEach(() => mic?.stop());

  it('raises SOUND_DETECTED for a loud tone, with peak dBFS, duration, count and a decodable clip with pre-roll', async () => {
    mic = fakeMicrophone();
    const ctx = detectorContext(mic.stream, { soundMinMs: 500, soundPreRollMs: 1000, soundThresholdDb: -30 });
    const done = firstValueFrom(soundDetector(ctx).pipe(takeUntil(timer(6000)), toArray()));
    await wait(1500); // quiet room: fills the pre-roll
    mic.tone(0.5); // sine at half scale: RMS -9 dBFS
    await wait(1500);
    mic.silence();
    const emissions = await done;
    expect(emissions.map((e) => e.type)).to.deep.equal([Event.SOUND_DETECTED]);
    const flag = emissions[0]!.payload as FlagDataWithFile;
    expect(flag.details!.peakDb).to.be.within(-10, -8);
    expect(flag.details!.durationMs).to.be.within(1200, 1700);
    expect(flag.details!.countThisSession).to.equal(1);
    expect(flag.mediaFile.type).to.equal('audio/webm');
    expect(flag.mediaFile.name).to.equal(`sound_detected-${flag.id}.webm`);
    const decoder = new AudioContext();
    const audio = await decoder.decodeAudioData(await flag.mediaFile.arrayBuffer());
    await decoder.close();
    // Pre-roll (~1 s of quiet) + tone (1.5 s) + hangover; certainly longer than soundMinMs.
    expect(audio.duration).to.be.greaterThan(0.5);
    expect(audio.duration).to.be.within(2.2, 3.8);
    // The clip starts quiet (pre-roll) and contains the tone.
    const samples = audio.getChannelData(0);
    const rms = (from: number, to: number) => {
      let s = 0;
      for (let i = Math.floor(from * audio.sampleRate); i < Math.floor(to * audio.sampleRate); i++) s += samples[i]! ** 2;
      return Math.sqrt(s / ((to - from) * audio.sampleRate));
    };
    expect(rms(0.05, 0.4), 'pre-roll is quiet').to.be.lessThan(0.01);
    const loudest = Math.max(...Array.from({ length: Math.floor(audio.duration / 0.25) - 1 }, (_, i) => rms(i * 0.25, i * 0.25 + 0.25)));
    expect(loudest, 'tone is in the clip').to.be.greaterThan(0.2);
  });

  it('stays silent for silence', async () => {
    mic = fakeMicrophone();
    const ctx = detectorContext(mic.stream, { soundMinMs: 300 });
    const emissions = await firstValueFrom(soundDetector(ctx).pipe(takeUntil(timer(3000)), toArray()));
    expect(emissions).to.deep.equal([]);
  });

  it('counts sounds within the session', async () => {
    mic = fakeMicrophone();
    const ctx = detectorContext(mic.stream, { soundMinMs: 300, soundPreRollMs: 500 });
    const done = firstValueFrom(soundDetector(ctx).pipe(takeUntil(timer(5000)), toArray()));
    for (let i = 0; i < 2; i++) {
      await wait(800);
      mic.tone(0.3);
      await wait(700);
      mic.silence();
    }
    const emissions = await done;
    expect(emissions.map((e) => (e.payload as FlagDataWithFile).details!.countThisSession)).to.deep.equal([1, 2]);
  });
});
