import { expect } from '@open-wc/testing';
import { plausibleFaceGeometry, type Point } from './face-geometry.js';

/** Keypoints of an upright face in a 640x480 frame (pixels), rolled by `degrees` about the eyes' midpoint. */
function face(degrees: number, nose: Point = { x: 0, y: 40 }, mouth: Point = { x: 0, y: 75 }): Point[] {
  const c = Math.cos((degrees * Math.PI) / 180);
  const s = Math.sin((degrees * Math.PI) / 180);
  const at = (p: Point) => ({ x: (320 + p.x * c - p.y * s) / 640, y: (200 + p.x * s + p.y * c) / 480 });
  return [at({ x: -32, y: 0 }), at({ x: 32, y: 0 }), at(nose), at(mouth)];
}

describe('plausibleFaceGeometry', () => {
  it('accepts faces upright, rolled and turned (nose up to 1.1 eye-distances to the side, as on a near-profile photo)', () => {
    for (const roll of [-55, -30, 0, 20, 45]) expect(plausibleFaceGeometry(face(roll), 640, 480), `roll ${roll}`).to.equal(true);
    expect(plausibleFaceGeometry(face(7, { x: -70, y: 120 }, { x: -10, y: 210 }), 640, 480)).to.equal(true);
  });

  it("rejects Chromium's fake-camera shape: nose 1.9 and mouth 0.9 eye-distances to the side (keypoints as MediaPipe gave them)", () => {
    const shape = [
      { x: 0.33, y: 0.14 },
      { x: 0.38, y: 0.22 },
      { x: 0.24, y: 0.05 },
      { x: 0.21, y: 0.21 },
    ];
    expect(plausibleFaceGeometry(shape, 640, 480)).to.equal(false);
    expect(plausibleFaceGeometry(face(0, { x: 0, y: 40 }, { x: 55, y: 75 }), 640, 480), 'mouth off to the side').to.equal(false);
    expect(plausibleFaceGeometry(face(0, { x: 100, y: 40 }), 640, 480), 'nose off to the side').to.equal(false);
  });

  it('gives a detection without keypoints the benefit of the doubt, and rejects one whose eyes coincide', () => {
    expect(plausibleFaceGeometry(undefined, 640, 480)).to.equal(true);
    expect(plausibleFaceGeometry([{ x: 0.5, y: 0.5 }, { x: 0.5, y: 0.5 }, { x: 0.5, y: 0.6 }, { x: 0.5, y: 0.7 }], 640, 480)).to.equal(false);
  });
});
