// Type test: 'eye-proctor/vue' registers the elements in Vue's GlobalComponents.
import type {} from 'eye-proctor/vue';
import type { GlobalComponents } from 'vue';

type Props<K extends keyof GlobalComponents> = InstanceType<GlobalComponents[K]>['$props'];

export const proctor: Props<'eye-proctor'> = {
  'exam-id': 'final-2026',
  'candidate-id': 'c-123',
  onFACE_ABSENCE: (e) => { console.log(e.detail.mediaFile.size); },
};
export const check: Props<'eye-system-check'> = { 'auto-start': true, onSYSTEM_CHECK_COMPLETED: (e) => { console.log(e.detail.success); } };
// @ts-expect-error attributes are strings
export const wrongType: Props<'eye-proctor'> = { 'exam-id': 2026 };
// @ts-expect-error the TAB_NOT_FOCUS detail (FlagData) has no mediaFile
export const wrongDetail: Props<'eye-proctor'> = { onTAB_NOT_FOCUS: (e) => { console.log(e.detail.mediaFile); } };
