/**
 * JSX typings for React 19, which attaches `on<EVENT>` props of custom elements as DOM listeners
 * (`onFACE_ABSENCE` listens to `FACE_ABSENCE`): `import type {} from 'eye-proctor/react19';`.
 */
import './react.js';
import type { EyeEventHandlerProps, EyeSystemCheckEventName } from './attributes.js';

declare module './react.js' {
  interface EyeProctorReactProps extends EyeEventHandlerProps {}
  interface EyeSystemCheckReactProps extends EyeEventHandlerProps<EyeSystemCheckEventName> {}
}
