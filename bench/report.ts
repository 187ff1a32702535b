/** Renders bench results as a console table and as the generated block of docs/BENCHMARKS.md. */

type R = Record<string, any>;
interface Row {
  figure: string;
  engine: string;
  value: string;
  target: string;
  verdict: '' | 'meets' | 'misses';
}

const f = (n: unknown, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const verdict = (ok: boolean | null): Row['verdict'] => (ok === null ? '' : ok ? 'meets' : 'misses');

export function rows(r: R): Row[] {
  const out: Row[] = [];
  const each = (section: string, fn: (engine: string, v: R) => void) => {
    for (const [engine, v] of Object.entries((r[section] ?? {}) as R)) {
      if (v?.error) out.push({ figure: `${section}: failed`, engine, value: String(v.error).slice(0, 80), target: '', verdict: 'misses' });
      else fn(engine, v);
    }
  };
  each('ingest', (e, v) => {
    out.push({ figure: 'no-op route (same server)', engine: e, value: `${f(v.noop.perSecond)} req/s, p50 ${f(v.noop.p50Ms, 1)} ms, p99 ${f(v.noop.p99Ms, 1)} ms`, target: '', verdict: '' });
    out.push({ figure: 'flag ingest, JSON, durable', engine: e, value: `${f(v.ingest.perSecond)} flags/s, p50 ${f(v.ingest.p50Ms, 1)} ms, p99 ${f(v.ingest.p99Ms, 1)} ms`, target: '', verdict: '' });
    out.push({ figure: `ingest / no-op (c=${v.concurrency})`, engine: e, value: `${f(v.ratio * 100)} %`, target: '>= 50 %', verdict: verdict(v.ratio >= 0.5) });
  });
  each('media', (e, v) => {
    if (v.jpeg40k) out.push({ figure: `upload JPEG ${f(v.jpeg40k.bytes / 1024)} KB`, engine: e, value: `${f(v.jpeg40k.perSecond, 1)} uploads/s, ${f(v.jpeg40k.mbPerSecond, 2)} MB/s, p99 ${f(v.jpeg40k.p99Ms)} ms`, target: '', verdict: '' });
    if (v.wav200k) out.push({ figure: `upload WAV ${f(v.wav200k.bytes / 1024)} KB`, engine: e, value: `${f(v.wav200k.perSecond, 1)} uploads/s, ${f(v.wav200k.mbPerSecond, 2)} MB/s, p99 ${f(v.wav200k.p99Ms)} ms`, target: '', verdict: '' });
  });
  each('webhooks', (e, v) => {
    out.push({ figure: `webhook deliveries (backlog ${v.backlog.deliveries})`, engine: e, value: `${f(v.backlog.deliveriesPerSecond)} deliveries/s`, target: '>= 2,000/s', verdict: verdict(v.backlog.deliveriesPerSecond >= 2000) });
    out.push({ figure: `flag accepted -> webhook received at ${v.latency.rate} flags/s`, engine: e, value: `p50 ${f(v.latency.p50Ms)} ms, p99 ${f(v.latency.p99Ms)} ms (${v.latency.webhooksMatched}/${v.latency.flagsAccepted})`, target: 'p99 < 100 ms', verdict: verdict(v.latency.p99Ms < 100 && v.latency.webhooksMatched === v.latency.flagsAccepted) });
  });
  each('memory', (e, v) => {
    out.push({ figure: `relay RSS, ${v.sessions} live sessions`, engine: e, value: `peak ${f(v.peakRssMB)} MB (idle ${f(v.idleRssMB)} MB, ${v.flagsPosted} flags, ${v.failed} failed, ${v.maxOpenFds} fds)`, target: '< 150 MB', verdict: verdict(v.peakRssMB < 150) });
  });
  const w = r.widget as R | undefined;
  if (w?.error) out.push({ figure: 'widget: failed', engine: 'chromium', value: String(w.error).slice(0, 80), target: '', verdict: 'misses' });
  else if (w) {
    out.push({ figure: `widget detections (asked ${w.detectionFps}/s)`, engine: 'chromium', value: `${f(w.detectionsPerSecond, 2)} /s over ${f(w.seconds)} s`, target: '', verdict: '' });
    out.push({ figure: 'widget main thread busy', engine: 'chromium', value: `${f(w.mainThreadBusyMsPerSecond, 1)} ms/s = ${f(w.mainThreadPercentOfCore, 2)} % of a core`, target: '<= 2 % at 5/s', verdict: verdict(w.mainThreadPercentOfCore <= 2) });
    out.push({ figure: 'widget long tasks', engine: 'chromium', value: `${w.longTasks} (${f(w.longTaskMsTotal)} ms)`, target: '', verdict: '' });
    out.push({ figure: 'widget JS heap', engine: 'chromium', value: `${f(w.jsHeapUsedMB, 1)} MB`, target: '', verdict: '' });
    out.push({ figure: 'start() -> first detection', engine: 'chromium', value: `${f(w.startToFirstDetectionMs)} ms`, target: '', verdict: '' });
  }
  const b = r.bundles as R | undefined;
  if (b) {
    for (const s of b.sizes ?? []) out.push({ figure: `bundle ${s.file}`, engine: 'gzip -9', value: `${f(s.gzipBytes / 1024, 1)} KB (${f(s.bytes / 1024, 1)} KB raw)`, target: '', verdict: '' });
    if (b.withoutMediaPipe) out.push({ figure: 'widget JS without MediaPipe', engine: 'gzip -9', value: `${f(b.withoutMediaPipe.gzipBytes / 1024, 1)} KB`, target: '<= 40 KB', verdict: verdict(b.withoutMediaPipe.gzipBytes <= 40 * 1024) });
  }
  return out;
}

export function renderTable(r: R): string {
  const rs = rows(r);
  const w = [0, 0, 0, 0, 0];
  const cells = rs.map((x) => [x.figure, x.engine, x.value, x.target, x.verdict]);
  for (const c of [['figure', 'engine', 'value', 'target', ''], ...cells]) c.forEach((s, i) => (w[i] = Math.max(w[i]!, s.length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(w[i]!)).join('  ');
  return [line(['figure', 'engine', 'value', 'target', '']), ...cells.map(line)].join('\n');
}

const START = '<!-- bench:generated:start (npm run bench rewrites this block) -->';
const END = '<!-- bench:generated:end -->';

export function renderMarkdown(r: R, previous: string | null): string {
  const m = r.machine as R;
  const gen = [
    START,
    `Run ${r.startedAt} (${f(r.durationSeconds)} s). Machine: ${m.cpuModel}, ${m.cores} cores, ${f(m.ramGB, 1)} GB RAM, ${m.os}; Node ${m.node}; ${m.chromium ?? 'Chromium n/a'}; PostgreSQL ${m.postgres ?? 'n/a'}; ${m.sqlite}; Fastify ${m.fastify}.`,
    `Load average at start ${(m.loadAverageAtStart ?? []).map((x: number) => f(x, 1)).join(' / ')}, at end ${(m.loadAverageAtEnd ?? []).map((x: number) => f(x, 1)).join(' / ')} (1/5/15 min; other work on the machine shares its cores).`,
    '',
    '| figure | engine | value | target | |',
    '|---|---|---|---|---|',
    ...rows(r).map((x) => `| ${x.figure} | ${x.engine} | ${x.value} | ${x.target} | ${x.verdict} |`),
    '',
    'Raw figures: `bench/results.json`.',
    END,
  ].join('\n');
  if (previous && previous.includes(START) && previous.includes(END)) {
    return previous.slice(0, previous.indexOf(START)) + gen + previous.slice(previous.indexOf(END) + END.length);
  }
  return `# Benchmarks\n\nMeasured by \`npm run bench\` (bench/run.ts). Figures are from one run on the machine described; ratios compare runs made in the same process minutes apart.\n\n${gen}\n\n## Analysis\n\n(see below)\n`;
}
