import { expect } from '@open-wc/testing';
import { firstValueFrom, takeUntil, timer, toArray } from 'rxjs';
import { Event, type FlagData } from '../events.js';
import { createHealthDetector } from './health.js';
import { combine, fakeCamera, fakeMicrophone, type FakeCamera, type FakeMicrophone } from '../../test/fixtures/fake-media.js';
import { detectorContext } from '../../test/fixtures/detector-context.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('healthDetector', function () {
  this.timeout(60000);
  let camera: FakeCamera | undefined;
  let mic: FakeMicrophone | undefined;
  afterEach(async () => {
    camera?.stop();
    await mic?.stop();
    camera = mic = undefined;
  });

  it('raises CAMERA_LOST once when the camera track is stopped, and nothing while all is well', async () => {
    camera = await fakeCamera('single-face');
    mic = fakeMicrophone();
    const ctx = detectorContext(combine(camera.stream, mic.stream));
    const detector = createHealthDetector({ pollMs: 200, stallMs: 3000 });
    const done = firstValueFrom(detector(ctx).pipe(takeUntil(timer(7000)), toArray()));
    await wait(4000); // detection running normally: no health event
    camera.stream.getVideoTracks()[0]!.stop();
    const emissions = await done;
    expect(emissions.map((e) => e.type)).to.deep.equal([Event.CAMERA_LOST]);
    const flag = emissions[0]!.payload as FlagData;
    expect(flag.type).to.equal(Event.CAMERA_LOST);
    expect(flag.description).to.match(/Camera stopped/);
    expect(flag.id).to.be.a('string');
  });

  it('raises MICROPHONE_LOST when the microphone track is stopped', async () => {
    mic = fakeMicrophone();
    const ctx = detectorContext(mic.stream, { camera: false });
    const done = firstValueFrom(createHealthDetector({ pollMs: 200 })(ctx).pipe(takeUntil(timer(1500)), toArray()));
    await wait(300);
    mic.stream.getAudioTracks()[0]!.stop();
    const emissions = await done;
    expect(emissions.map((e) => e.type)).to.deep.equal([Event.MICROPHONE_LOST]);
  });

  it('raises CAMERA_LOST when the camera is expected but the stream has none', async () => {
    mic = fakeMicrophone();
    const ctx = detectorContext(mic.stream);
    const emissions = await firstValueFrom(createHealthDetector()(ctx).pipe(takeUntil(timer(300)), toArray()));
    expect(emissions.map((e) => [e.type, (e.payload as FlagData).description])).to.deep.equal([[Event.CAMERA_LOST, 'Camera is not available']]);
  });

  it('raises CAMERA_LOST when detection stalls: a live camera track that delivers no frame', async () => {
    const canvas = document.createElement('canvas'); // never painted: the track is live, no frame arrives
    const stream = canvas.captureStream(5);
    try {
      const ctx = detectorContext(stream, { microphone: false });
      const detector = createHealthDetector({ firstResultMs: 2500, stallMs: 1000 });
      const emissions = await firstValueFrom(detector(ctx).pipe(takeUntil(timer(4000)), toArray()));
      expect(emissions.map((e) => [e.type, (e.payload as FlagData).description])).to.deep.equal([
        [Event.CAMERA_LOST, 'Face detection stalled: no result for 3 s'],
      ]);
    } finally {
      stream.getTracks().forEach((t) => { t.stop(); });
    }
  });

  it('raises CAMERA_LOST when face detection cannot run (assets unreachable)', async () => {
    camera = await fakeCamera('single-face');
    const ctx = detectorContext(camera.stream, { microphone: false, assetsBaseUrl: `${location.origin}/no-such-assets` });
    const emissions = await firstValueFrom(createHealthDetector()(ctx).pipe(takeUntil(timer(4000)), toArray()));
    expect(emissions.map((e) => e.type)).to.deep.equal([Event.CAMERA_LOST]);
    expect((emissions[0]!.payload as FlagData).description).to.match(/^Face detection failed: .*404/);
  });
});
