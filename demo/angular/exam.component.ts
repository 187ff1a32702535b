/**
 * Angular host example (standalone component, Angular 15+). Not built by this repository: copy it
 * into an Angular CLI project (`ng new`), `npm install eye-proctor`, and see README.md.
 *
 * - CUSTOM_ELEMENTS_SCHEMA lets the template use <eye-proctor>.
 * - `import 'eye-proctor'` defines the elements (or load dist/bundles/eye-proctor.iife.js).
 * - Angular event bindings keep the event name's case, so `(TAB_NOT_FOCUS)="..."` listens to the
 *   widget's DOM event of that name; `$event.detail` is the payload.
 * - Attribute bindings (`[attr.session-token]`) set the widget's attributes; methods go through
 *   a ViewChild reference.
 */
import { Component, CUSTOM_ELEMENTS_SCHEMA, ElementRef, Input, ViewChild } from '@angular/core';
import 'eye-proctor';
import type { EyeProctor, FlagData, FlagDataWithFile } from 'eye-proctor';

export interface ExamSession {
  relayUrl: string;
  token: string;
  sessionId: string;
  examId: string;
  candidateId: string;
}

@Component({
  selector: 'app-exam',
  standalone: true,
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <button type="button" (click)="start()" [disabled]="phase !== 'ready'">Start</button>
    <button type="button" (click)="end()" [disabled]="phase !== 'running'">End</button>
    <span>{{ phase }}</span>

    <eye-proctor
      #widget
      [attr.exam-id]="session.examId"
      [attr.candidate-id]="session.candidateId"
      [attr.relay-url]="session.relayUrl"
      [attr.session-token]="session.token"
      [attr.session-id]="session.sessionId"
      (STARTED)="phase = 'running'"
      (END_PROCTORING)="phase = 'ended'"
      (TAB_NOT_FOCUS)="onFlag($event)"
      (FACE_ABSENCE)="onFlag($event)"
      (MULTIPLE_FACE)="onFlag($event)"
      (SOUND_DETECTED)="onFlag($event)"
    ></eye-proctor>

    <ol>
      <li *ngFor="let flag of flags">{{ flag.createdAt }} {{ flag.type }}: {{ flag.description }}</li>
    </ol>
  `,
})
export class ExamComponent {
  @Input({ required: true }) session!: ExamSession;
  @ViewChild('widget', { static: true }) widget!: ElementRef<EyeProctor>;
  phase: 'ready' | 'running' | 'ended' = 'ready';
  flags: (FlagData | FlagDataWithFile)[] = [];

  async start(): Promise<void> {
    await this.widget.nativeElement.init({});
    await this.widget.nativeElement.start();
  }

  async end(): Promise<void> {
    await this.widget.nativeElement.end();
  }

  onFlag(event: Event): void {
    this.flags = [(event as CustomEvent<FlagData>).detail, ...this.flags];
  }
}
