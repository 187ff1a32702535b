/**
 * Entry of the built Angular example (demo/angular/build/exam-app.js):
 * mountAngularExam(container, { session, config, events, onEvent }) -> { unmount }, the same shape
 * as the React and Vue examples, so the demo page and the browser test mount all three alike.
 * An Angular application without zone.js, its component created in the given container.
 */
import { createComponent, provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import type { EventName, EyeConfigInput } from 'eye-proctor';
import { type AnyPayload, ExamComponent, type ExamSession } from './exam.component';

export interface MountOptions {
  session: ExamSession;
  config?: EyeConfigInput;
  events: readonly EventName[];
  onEvent?: (type: EventName, payload: AnyPayload) => void;
}

export async function mountAngularExam(container: HTMLElement, { session, config = {}, events, onEvent }: MountOptions): Promise<{ unmount(): void }> {
  const app = await createApplication({ providers: [provideZonelessChangeDetection()] });
  const host = container.appendChild(document.createElement('app-exam'));
  const exam = createComponent(ExamComponent, { environmentInjector: app.injector, hostElement: host });
  exam.setInput('session', session);
  exam.setInput('config', config);
  exam.setInput('events', events);
  exam.setInput('onEvent', onEvent);
  app.attachView(exam.hostView);
  exam.changeDetectorRef.detectChanges();
  return {
    unmount: () => {
      app.destroy();
      host.remove();
    },
  };
}
