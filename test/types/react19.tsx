// Type test: 'eye-proctor/react19' adds typed event props (React 19 attaches `on<EVENT>` as listeners).
import type {} from 'eye-proctor/react19';

export function Exam({ onAbsent }: { onAbsent: (file: File) => void }) {
  return (
    <>
      <eye-proctor
        exam-id="final-2026"
        candidate-id="c-123"
        onFACE_ABSENCE={(e) => { onAbsent(e.detail.mediaFile); }}
        onTAB_FOCUS_CHANGE={(e) => { console.log(e.detail.focused); }}
      />
      <eye-system-check onSYSTEM_CHECK_COMPLETED={(e) => { console.log(e.detail.success); }} />
    </>
  );
}

// @ts-expect-error the FACE_ABSENCE detail is FlagDataWithFile, which has no `focused`
export const wrongDetail = <eye-proctor onFACE_ABSENCE={(e) => { console.log(e.detail.focused); }} />;
// @ts-expect-error <eye-system-check> does not fire FACE_ABSENCE
export const wrongElement = <eye-system-check onFACE_ABSENCE={() => {}} />;
