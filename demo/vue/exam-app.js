/**
 * Vue 3 host example: <eye-proctor> in a Vue component, its events handled by Vue state.
 * The widget's own `on(type, cb)` API is used (it returns the unsubscribe function), registered
 * in onMounted (before init) and removed in onBeforeUnmount. Vue is told that `eye-*` tags are
 * custom elements, so it leaves them to the browser and binds the hyphenated props as attributes.
 * (Template `@TAB_NOT_FOCUS` listeners would not work: Vue hyphenates upper-case event names.)
 *
 * mountVueExam(container, { Vue, session, config, events, onEvent }) -> { unmount }
 *   Vue: the `vue` module (createApp, ref, onMounted, onBeforeUnmount), with the template compiler
 *
 * @typedef {{ relayUrl: string, token: string, sessionId: string, examId: string, candidateId: string }} ExamSession
 * @typedef {{ id?: string } | undefined} EventPayload
 * @typedef {HTMLElement & {
 *   on(type: string, listener: (payload: EventPayload) => void): () => void,
 *   init(config: Record<string, unknown>): Promise<unknown>,
 *   start(): Promise<unknown>,
 *   end(): Promise<unknown>,
 * }} EyeProctorElement the parts of <eye-proctor> this example uses
 * @typedef {{ key: string, type: string, id: string, at: string }} LogEntry
 *
 * @param {Element} container
 * @param {{ Vue: typeof import('vue'), session: ExamSession, config?: Record<string, unknown>, events: string[], onEvent?: (type: string, payload: EventPayload) => void }} options
 */
export function mountVueExam(container, { Vue, session, config = {}, events, onEvent }) {
  const { createApp, ref, onMounted, onBeforeUnmount } = Vue;
  const app = createApp({
    setup() {
      /** @type {import('vue').Ref<EyeProctorElement | null>} */
      const widget = ref(null);
      const phase = ref('ready');
      /** @type {import('vue').Ref<LogEntry[]>} */
      const log = ref([]);
      /** @type {import('vue').Ref<string | null>} */
      const error = ref(null);
      /** @type {(() => void)[]} */
      let unsubscribers = [];

      onMounted(() => {
        unsubscribers = events.map((type) =>
          widget.value.on(type, (payload) => {
            log.value.unshift({ key: `${type}-${log.value.length}`, type, id: payload?.id ?? '', at: new Date().toLocaleTimeString() });
            if (type === 'PAUSED') phase.value = 'paused';
            if (type === 'RESUMED') phase.value = 'running';
            if (type === 'END_PROCTORING') phase.value = 'ended';
            onEvent?.(type, payload);
          }),
        );
      });
      onBeforeUnmount(() => {
        unsubscribers.forEach((off) => {
          off();
        });
      });

      const start = async () => {
        try {
          await widget.value.init(config);
          await widget.value.start();
          phase.value = 'running';
        } catch (err) {
          error.value = String(/** @type {{ message?: unknown } | undefined} */ (err)?.message ?? err);
        }
      };
      const end = () => widget.value.end();
      return { widget, phase, log, error, start, end, session };
    },
    template: `
      <div class="vue-exam">
        <div class="row">
          <button type="button" @click="start" :disabled="phase !== 'ready'">Start (Vue)</button>
          <button type="button" class="secondary" @click="end" :disabled="phase === 'ready' || phase === 'ended'">End</button>
          <span class="badge" data-testid="phase">{{ phase }}</span>
        </div>
        <p v-if="error" role="alert" class="badge bad">{{ error }}</p>
        <eye-proctor
          ref="widget"
          :exam-id="session.examId"
          :candidate-id="session.candidateId"
          :relay-url="session.relayUrl"
          :session-token="session.token"
          :session-id="session.sessionId"
        ></eye-proctor>
        <h3>Events in Vue state</h3>
        <ol class="log" data-testid="log">
          <li v-for="entry in log" :key="entry.key" :data-type="entry.type" :data-id="entry.id"><time>{{ entry.at }}</time> {{ entry.type }}</li>
        </ol>
      </div>`,
  });
  app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('eye-');
  app.mount(container);
  return {
    unmount: () => {
      app.unmount();
    },
  };
}
