/**
 * A detached, muted <video> playing a stream's camera track: the frame source for face detection
 * and snapshots. One per stream (shared by the face detector, the snapshot detector and
 * snapshots on flags) so the camera is decoded once.
 */
const videos = new WeakMap<MediaStream, { video: HTMLVideoElement; users: number }>();

export interface VideoSource {
  readonly video: HTMLVideoElement;
  /** Resolves once a frame with real dimensions is available. */
  ready(timeoutMs?: number): Promise<void>;
  /** True when the video currently has a frame to read. */
  hasFrame(): boolean;
  release(): void;
}

export function acquireVideoSource(stream: MediaStream): VideoSource {
  let entry = videos.get(stream);
  if (!entry) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    video.srcObject = new MediaStream(stream.getVideoTracks());
    video.play().catch(() => {
      /* autoplay of a muted video is allowed; a rejection here means no frames yet */
    });
    entry = { video, users: 0 };
    videos.set(stream, entry);
  }
  entry.users++;
  const { video } = entry;
  let released = false;
  return {
    video,
    hasFrame: () => video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0,
    ready(timeoutMs = 10_000) {
      if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error('the camera delivered no frame'));
        }, timeoutMs);
        const onData = () => {
          if (video.videoWidth > 0) {
            cleanup();
            resolve();
          }
        };
        const cleanup = () => {
          clearTimeout(timer);
          video.removeEventListener('loadeddata', onData);
          video.removeEventListener('resize', onData);
        };
        video.addEventListener('loadeddata', onData);
        video.addEventListener('resize', onData);
        video.play().catch(() => {});
      });
    },
    release() {
      if (released) return;
      released = true;
      const e = videos.get(stream);
      if (e && --e.users === 0) {
        e.video.pause();
        e.video.srcObject = null;
        videos.delete(stream);
      }
    },
  };
}
