// Type test: 'eye-proctor/react' types the elements in TSX (React 18 typings).
import type {} from 'eye-proctor/react';
import { useRef } from 'react';
import type { EyeProctor } from 'eye-proctor';

export function Exam() {
  const ref = useRef<EyeProctor>(null);
  return (
    <div>
      <eye-system-check relay-url="https://relay.example.edu" checks="webcam microphone" auto-start />
      <eye-proctor ref={ref} exam-id="final-2026" candidate-id="c-123" relay-url="https://relay.example.edu" session-token="t" />
      <eye-camera-preview label="You" no-boxes />
    </div>
  );
}

// @ts-expect-error attributes are strings
export const wrongType = <eye-proctor exam-id={2026} />;
// @ts-expect-error not an attribute of the widget
export const unknownAttribute = <eye-proctor exam="final-2026" />;
// @ts-expect-error React 18 does not attach event props to custom elements: no onFACE_ABSENCE without 'eye-proctor/react19'
export const eventProp = <eye-proctor onFACE_ABSENCE={() => {}} />;
