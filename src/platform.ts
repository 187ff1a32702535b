/**
 * Browser APIs that lib.dom types as always present but that some pages lack: insecure (http) pages
 * have no navigator.mediaDevices and no crypto.subtle, some private windows no indexedDB, older
 * browsers no navigator.locks. Feature checks read them through this view, where they are optional.
 */
export interface OptionalPlatform {
  navigator?: { mediaDevices?: MediaDevices; locks?: LockManager };
  crypto?: { subtle?: SubtleCrypto };
  indexedDB?: IDBFactory;
}

export const platform: OptionalPlatform = globalThis;

/** navigator.mediaDevices when it can open devices (has getUserMedia), else null. */
export function userMediaDevices(): MediaDevices | null {
  const md = platform.navigator?.mediaDevices;
  return md && typeof md.getUserMedia === 'function' ? md : null;
}
