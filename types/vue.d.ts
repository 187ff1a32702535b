/**
 * Vue typings: `import type {} from 'eye-proctor/vue';` registers the elements in `GlobalComponents`,
 * so templates type-check `<eye-proctor exam-id="…" @FACE_ABSENCE="(e) => e.detail">` (Volar / vue-tsc).
 * Vue itself must treat them as custom elements: `compilerOptions.isCustomElement: (tag) => tag.startsWith('eye-')`.
 */
import type { ComponentPublicInstance } from 'vue';
import type {
  EyeCameraPreviewAttributes,
  EyeEventHandlerProps,
  EyeProctorAttributes,
  EyeSystemCheckAttributes,
  EyeSystemCheckEventName,
} from './attributes.js';

/** A custom element as Vue tooling sees a component: its instance's `$props` are the element's props. */
type ElementComponent<Props> = new () => ComponentPublicInstance<Props>;

declare module 'vue' {
  interface GlobalComponents {
    'eye-proctor': ElementComponent<EyeProctorAttributes & EyeEventHandlerProps>;
    'eye-system-check': ElementComponent<EyeSystemCheckAttributes & EyeEventHandlerProps<EyeSystemCheckEventName>>;
    'eye-camera-preview': ElementComponent<EyeCameraPreviewAttributes>;
  }
}
