/**
 * JSX typings for React 18 and 19: `import type {} from 'eye-proctor/react';` once in the host app
 * types `<eye-proctor exam-id="…" ref={…}>` and the other elements. React 18 passes these props to
 * custom elements as attributes and does not attach event props: listen with `ref` +
 * `widget.on('FACE_ABSENCE', cb)`. React 19 hosts import 'eye-proctor/react19' for `onFACE_ABSENCE`.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { EyeCameraPreview, EyeProctor, EyeSystemCheck } from 'eye-proctor';
import type { EyeCameraPreviewAttributes, EyeProctorAttributes, EyeSystemCheckAttributes } from './attributes.js';

type ElementProps<E extends HTMLElement> = DetailedHTMLProps<HTMLAttributes<E>, E>;

/** Props of `<eye-proctor>` in JSX (extended with event props by 'eye-proctor/react19'). */
export interface EyeProctorReactProps extends ElementProps<EyeProctor>, EyeProctorAttributes {}
export interface EyeSystemCheckReactProps extends ElementProps<EyeSystemCheck>, EyeSystemCheckAttributes {}
export interface EyeCameraPreviewReactProps extends ElementProps<EyeCameraPreview>, EyeCameraPreviewAttributes {}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'eye-proctor': EyeProctorReactProps;
      'eye-system-check': EyeSystemCheckReactProps;
      'eye-camera-preview': EyeCameraPreviewReactProps;
    }
  }
}
