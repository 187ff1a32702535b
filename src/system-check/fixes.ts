import type { BrowserFamily } from './browser-info.js';

/**
 * Plain-language instructions for each failure, per browser where the steps differ. Written for a
 * candidate minutes before an exam: short, concrete, ending with "then press Retry".
 */
type Device = 'camera' | 'microphone';

const RETRY = 'then press “Retry”.';

export function unblockDeviceFix(device: Device, family: BrowserFamily): string {
  const Dev = device === 'camera' ? 'Camera' : 'Microphone';
  const os =
    ` If it is already allowed there, your computer may block it: on macOS open System Settings › Privacy & Security › ${Dev}` +
    ` and switch your browser on; on Windows open Settings › Privacy & security › ${Dev} and allow apps (and desktop apps) to use it.`;
  switch (family) {
    case 'firefox':
      return `Click the crossed-out ${device} icon at the left of the address bar, clear “Blocked temporarily” or “Blocked”, ${RETRY} Choose “Allow” when Firefox asks.${os}`;
    case 'safari':
      return `In the Safari menu choose “Settings for This Website…” (or Safari › Settings › Websites › ${Dev}), set ${Dev} to “Allow”, ${RETRY}${os}`;
    case 'edge':
      return `Click the lock icon at the left of the address bar, set ${Dev} to “Allow”, ${RETRY} If it is not listed, open Settings › Cookies and site permissions › ${Dev}.${os}`;
    default:
      return `Click the ${device} icon (or the site-settings icon) at the left of the address bar, choose “Always allow” for ${Dev}, ${RETRY} If it stays blocked, open Settings › Privacy and security › Site settings › ${Dev} and allow this site.${os}`;
  }
}

export function noDeviceFix(device: Device): string {
  return device === 'camera'
    ? `Connect a webcam (or open the laptop lid if the camera is built in), make sure it is switched on, ${RETRY}`
    : `Connect a microphone or a headset with a microphone, make sure it is selected as your computer's input device, ${RETRY}`;
}

export function deviceBusyFix(device: Device): string {
  return `Another application is using your ${device}. Close video-call apps (Zoom, Teams, Meet, Skype) and other browser tabs that use it, ${RETRY} If that does not help, unplug and reconnect the ${device} or restart the browser.`;
}

export const NO_FRAMES_FIX = `Your camera is on but sends no picture. Remove any lens cover or privacy shutter, close other apps that use the camera, ${RETRY} If it keeps failing, reconnect the camera or restart the browser.`;

export const LOW_RESOLUTION_FIX = `Your camera's picture is too small for proctoring. Use another webcam, or close other apps that may hold the camera at a low resolution, ${RETRY}`;

export const SILENT_MICROPHONE_FIX = `Your microphone sends only silence. Check that it is not muted (a mute switch on the headset or a key on the keyboard), that the right input is selected in your computer's sound settings and that its input volume is not at zero, ${RETRY}`;

export const AUDIO_SUSPENDED_FIX = `Your browser waits for a click before a page may process sound. Press “Retry” (the click allows it).`;

export const INSECURE_CONTEXT_FIX = 'Open this page over https:// (camera and microphone only work on secure pages), then try again.';

export function updateBrowserFix(family: BrowserFamily): string {
  const how =
    family === 'firefox'
      ? 'In Firefox open the menu › Help › About Firefox to update.'
      : family === 'safari'
        ? 'Safari updates with macOS: open System Settings › General › Software Update.'
        : family === 'edge'
          ? 'In Edge open Settings › About Microsoft Edge to update.'
          : family === 'other'
            ? 'Use a current version of Chrome, Edge, Firefox or Safari.'
            : 'In Chrome open the menu › Help › About Google Chrome to update.';
  return `${how} Restart the browser after updating, then open this page again. Private/incognito windows can also disable storage: use a normal window.`;
}

export function slowNetworkFix(problem: 'latency' | 'download' | 'upload' | 'unreachable'): string {
  if (problem === 'unreachable') {
    return `The proctoring server could not be reached. Check that you are online, disable VPNs or ad blockers for this site, ${RETRY} On a school or company network, ask IT to allow this address.`;
  }
  const base = 'Move closer to your Wi-Fi router or use a network cable, and pause downloads, streaming and other devices on the same network.';
  return problem === 'upload'
    ? `${base} Uploading is what matters during the exam (snapshots and short audio clips), ${RETRY}`
    : `${base} ${RETRY.charAt(0).toUpperCase()}${RETRY.slice(1)}`;
}
