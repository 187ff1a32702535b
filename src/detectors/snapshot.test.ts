import { expect } from '@open-wc/testing';
import { firstValueFrom, take, takeUntil, timer, toArray } from 'rxjs';
import { Event, type FlagDataWithFile } from '../events.js';
import { periodicSnapshotDetector } from './snapshot.js';
import { fakeCamera, type FakeCamera } from '../../test/fixtures/fake-media.js';
import { detectorContext } from '../../test/fixtures/detector-context.js';

describe('periodicSnapshotDetector', function () {
  this.timeout(20000);
  let camera: FakeCamera | undefined;
  afterEach(() => { camera?.stop(); });

  it('emits PERIODIC_SNAPSHOT every snapshotIntervalMs with a scaled JPEG of the camera', async () => {
    camera = await fakeCamera('single-face');
    const ctx = detectorContext(camera.stream, { snapshotIntervalMs: 700, snapshotMaxWidth: 400, jpegQuality: 0.7 });
    const started = performance.now();
    const emissions = await firstValueFrom(periodicSnapshotDetector(ctx).pipe(take(3), toArray()));
    const elapsed = performance.now() - started;
    expect(emissions.map((e) => e.type)).to.deep.equal([Event.PERIODIC_SNAPSHOT, Event.PERIODIC_SNAPSHOT, Event.PERIODIC_SNAPSHOT]);
    expect(elapsed, 'three intervals of 700 ms').to.be.at.least(2100 - 50);
    const flags = emissions.map((e) => e.payload as FlagDataWithFile);
    expect(new Set(flags.map((f) => f.id)).size).to.equal(3);
    for (const flag of flags) {
      expect(flag.mediaFile.type).to.equal('image/jpeg');
      expect(flag.mediaFile.name).to.equal(`periodic_snapshot-${flag.id}.jpg`);
      const image = await createImageBitmap(flag.mediaFile);
      expect([image.width, image.height]).to.deep.equal([400, 300]);
    }
    // The snapshot shows the camera: its centre is the photo, not black.
    const image = await createImageBitmap(flags[0]!.mediaFile);
    const canvas = new OffscreenCanvas(image.width, image.height);
    const c2d = canvas.getContext('2d')!;
    c2d.drawImage(image, 0, 0);
    const [r, g, b] = c2d.getImageData(200, 150, 1, 1).data;
    expect(r! + g! + b!).to.be.greaterThan(60);
  });

  it('is off when snapshotIntervalMs is 0 or there is no camera', async () => {
    camera = await fakeCamera('single-face');
    const off = await firstValueFrom(periodicSnapshotDetector(detectorContext(camera.stream, { snapshotIntervalMs: 0 })).pipe(takeUntil(timer(500)), toArray()));
    expect(off).to.deep.equal([]);
    const none = await firstValueFrom(periodicSnapshotDetector(detectorContext(null, { snapshotIntervalMs: 600 })).pipe(takeUntil(timer(1000)), toArray()));
    expect(none).to.deep.equal([]);
  });
});
