/**
 * Angular host example: <eye-proctor> in a standalone component, its events in Angular signals.
 * Built ahead of time by `npm run build:angular` (ngc, then esbuild with Angular's linker) into
 * demo/angular/build/exam-app.js; see README.md.
 *
 * - CUSTOM_ELEMENTS_SCHEMA lets the template use <eye-proctor>; the page defines the element
 *   (`import 'eye-proctor'` in an app, or the widget bundle's <script>): only types come from it here.
 * - Attribute bindings (`[attr.session-token]`) set the widget's attributes; init/start/end go through
 *   a viewChild reference.
 * - `widget.on('FACE_ABSENCE', (flag) => …)` types the payload per event name (no cast of
 *   `$event.detail`). Listeners are set before init(), so the component sees SET_CONFIG and CONSENT_GIVEN.
 * - No zone.js: signals tell Angular what to render again when the widget calls back.
 */
import { Component, CUSTOM_ELEMENTS_SCHEMA, type ElementRef, type OnDestroy, type AfterViewInit, input, signal, viewChild } from '@angular/core';
import type { EventName, EventPayloadByName, EyeConfigInput, EyeProctor } from 'eye-proctor';

export interface ExamSession {
  relayUrl: string;
  token: string;
  sessionId: string;
  examId: string;
  candidateId: string;
}

export type Phase = 'ready' | 'running' | 'paused' | 'ended';

interface LogEntry {
  key: string;
  type: EventName;
  id: string;
  at: string;
}

/** The payload of any widget event, for hosts that forward them (`onEvent`). */
export type AnyPayload = EventPayloadByName[EventName];

@Component({
  selector: 'app-exam',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <div class="angular-exam">
      <div class="row">
        <button type="button" (click)="start()" [disabled]="phase() !== 'ready'">Start (Angular)</button>
        <button type="button" class="secondary" (click)="end()" [disabled]="phase() === 'ready' || phase() === 'ended'">End</button>
        <span class="badge" data-testid="phase">{{ phase() }}</span>
        @if (lastAbsenceBytes() !== null) {
          <span class="badge warn" data-testid="absence">face absent (snapshot {{ lastAbsenceBytes() }} bytes)</span>
        }
      </div>
      @if (error()) {
        <p role="alert" class="badge bad">{{ error() }}</p>
      }
      <eye-proctor
        #widget
        [attr.exam-id]="session().examId"
        [attr.candidate-id]="session().candidateId"
        [attr.relay-url]="session().relayUrl"
        [attr.session-token]="session().token"
        [attr.session-id]="session().sessionId"
      ></eye-proctor>
      <h3>Events in Angular signals</h3>
      <ol class="log" data-testid="log">
        @for (entry of log(); track entry.key) {
          <li [attr.data-type]="entry.type" [attr.data-id]="entry.id"><time>{{ entry.at }}</time> {{ entry.type }}</li>
        }
      </ol>
    </div>
  `,
})
export class ExamComponent implements AfterViewInit, OnDestroy {
  readonly session = input.required<ExamSession>();
  /** Extra widget config for init(), e.g. `{ snapshotIntervalMs: 60000 }`. */
  readonly config = input<EyeConfigInput>({});
  /** The event names to listen to (`Object.values(Event)`). */
  readonly events = input<readonly EventName[]>([]);
  /** Optional callback for every event, e.g. to forward flags to your own backend. */
  readonly onEvent = input<(type: EventName, payload: AnyPayload) => void>();

  readonly phase = signal<Phase>('ready');
  readonly log = signal<LogEntry[]>([]);
  readonly error = signal<string | null>(null);
  readonly lastAbsenceBytes = signal<number | null>(null);

  private readonly widget = viewChild.required<ElementRef<EyeProctor>>('widget');
  private unsubscribers: (() => void)[] = [];

  ngAfterViewInit(): void {
    const widget = this.widget().nativeElement;
    this.unsubscribers = this.events().map((type) =>
      widget.on(type, (payload) => {
        const id = payload && typeof payload === 'object' && 'id' in payload && typeof payload.id === 'string' ? payload.id : '';
        this.log.update((entries) => [{ key: `${type}-${entries.length}`, type, id, at: new Date().toLocaleTimeString() }, ...entries]);
        if (type === 'PAUSED') this.phase.set('paused');
        if (type === 'RESUMED') this.phase.set('running');
        if (type === 'END_PROCTORING') this.phase.set('ended');
        this.onEvent()?.(type, payload);
      }),
    );
    // Typed by event name: FACE_ABSENCE carries the snapshot as a File.
    this.unsubscribers.push(widget.on('FACE_ABSENCE', (flag) => this.lastAbsenceBytes.set(flag.mediaFile.size)));
  }

  ngOnDestroy(): void {
    for (const off of this.unsubscribers) off();
  }

  async start(): Promise<void> {
    try {
      await this.widget().nativeElement.init(this.config());
      await this.widget().nativeElement.start();
      this.phase.set('running');
    } catch (err) {
      this.error.set(err instanceof Error ? err.message : String(err));
    }
  }

  async end(): Promise<void> {
    await this.widget().nativeElement.end();
  }
}
