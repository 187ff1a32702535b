// Type test (tsc, scripts/host-typings.test.mjs): the README's `widget.on` example under strict TypeScript.
import { EyeEvent } from 'eye-proctor';

const widget = document.querySelector('eye-proctor')!;
/** Where the checked values go, so that each one is used. */
export const seen: unknown[] = [];
const off: () => void = widget.on('FACE_ABSENCE', (flag) => {
  const file: File = flag.mediaFile;
  const description: string = flag.description;
  seen.push(file, description);
});
off();
widget.on(EyeEvent.TAB_FOCUS_CHANGE, (change) => {
  const focused: boolean = change.focused;
  seen.push(focused);
});
widget.on('SYSTEM_CHECK_COMPLETED', (check) => {
  const ok: boolean = check.success;
  seen.push(ok);
});
widget.addEventListener('MULTIPLE_FACE', (e) => {
  const faces: File = e.detail.mediaFile;
  seen.push(faces);
});
// @ts-expect-error not an event of the widget
widget.on('FACE_ABSENT', () => {});
widget.on('TAB_NOT_FOCUS', (flag) => {
  // @ts-expect-error TAB_NOT_FOCUS carries FlagData, no mediaFile
  seen.push(flag.mediaFile);
});
