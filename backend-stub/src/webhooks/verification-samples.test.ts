/**
 * The receiver samples of docs/WEBHOOKS.md (docs/webhook-samples/: JavaScript, Python, PHP, Java,
 * Go, Ruby, C#) run against real signed deliveries of a relay: each must accept a valid delivery in
 * both signature families, reject a tampered body, a wrong secret, a timestamp more than 5 minutes
 * old or ahead, accept one 4 minutes old or ahead, and after a secret rotation verify
 * X-Eye-Signature with the new secret only and webhook-signature with both.
 *
 * Every sample is given freshly signed deliveries (the relay redelivers the same events just before
 * it runs, and the timestamp cases are re-signed then), so a slow toolchain cannot age the cases.
 *
 * JavaScript, Python and PHP are required (CI installs php-cli: .ci/run); the others run when their
 * toolchain is installed, and the test reports which ran. Nothing is downloaded (GOTOOLCHAIN=local).
 * Signatures do not depend on the storage engine, so this runs on SQLite only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT_ROOT } from '../config.js';
import { startTestRelay, type TestRelay } from '../testing/harness.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../testing/receiver.js';
import { verifyClassic, verifyStandard } from '../testing/verify.js';
import type { ApiBody } from '../testing/client.js';
import { api, FAST_WEBHOOKS, registerEndpoint, startedSession, type DeliveryList } from '../testing/webhook-fixtures.js';
import { signatureHeaders } from './signing.js';

const run = promisify(execFile);
const SAMPLES_DIR = join(PROJECT_ROOT, 'docs/webhook-samples');
const SIGNATURE_HEADERS = ['x-eye-timestamp', 'x-eye-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];
/** No toolchain may fetch anything (Go would otherwise download a newer toolchain on demand). */
const TOOL_ENV = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };

interface Sample {
  language: string;
  required: boolean;
  /** The command to run the sample (prefix before `<secret> <case dir>`), or why it cannot run here. */
  prepare(buildDir: string): Promise<string[] | { missing: string }>;
}

async function output(cmd: string, args: string[], cwd = SAMPLES_DIR): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env: TOOL_ENV, timeout: 120_000 });
    return stdout + stderr;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const interpreted = (language: string, cmd: string, file: string, versionArg: string, required = false): Sample => ({
  language,
  required,
  async prepare() {
    return (await output(cmd, [versionArg])) === null ? { missing: `${cmd} not installed` } : [cmd, join(SAMPLES_DIR, file)];
  },
});

const SAMPLES: Sample[] = [
  interpreted('JavaScript', process.execPath, 'verify.mjs', '--version', true),
  interpreted('Python', 'python3', 'verify.py', '--version', true),
  interpreted('PHP', 'php', 'verify.php', '--version', true),
  interpreted('Ruby', 'ruby', 'verify.rb', '--version'),
  {
    language: 'Java',
    required: false,
    async prepare(buildDir) {
      if ((await output('javac', ['-version'])) === null) return { missing: 'javac not installed' };
      await output('javac', ['-d', buildDir, join(SAMPLES_DIR, 'Verify.java')]);
      return ['java', '-cp', buildDir, 'Verify'];
    },
  },
  {
    language: 'Go',
    required: false,
    async prepare(buildDir) {
      if ((await output('go', ['version'])) === null) return { missing: 'go not installed' };
      const bin = join(buildDir, 'verify-go');
      await output('go', ['build', '-o', bin, join(SAMPLES_DIR, 'verify.go')]);
      return [bin];
    },
  },
  {
    language: 'C#',
    required: false,
    async prepare() {
      const version = await output('dotnet', ['--version']);
      if (version === null) return { missing: 'dotnet not installed' };
      // File-based apps (`dotnet run Verify.cs`) need the .NET 10 SDK.
      if (Number(version.split('.')[0]) < 10) return { missing: `dotnet ${version.trim()} (needs 10+ to run Verify.cs)` };
      return ['dotnet', 'run', join(SAMPLES_DIR, 'Verify.cs'), '--'];
    },
  },
];

interface Case {
  name: string;
  secret: string;
  headers: Record<string, string>;
  body: Buffer;
  expect: string;
}

const OK = 'classic=ok standard=ok';
const FAIL = 'classic=fail standard=fail';

describe('webhook verification samples (docs/webhook-samples) against real deliveries', () => {
  let relay: TestRelay;
  let rx: Receiver;
  let work: string;
  /** Never rotated, and rotated (keeping its old secret): both receive the same session.started. */
  let plain: { id: string; secret: string; deliveryId: string };
  let rotated: { id: string; secret: string; oldSecret: string; deliveryId: string };
  let eventId: string;

  before(async () => {
    relay = await startTestRelay({ engine: 'sqlite', webhooks: FAST_WEBHOOKS });
    rx = await startReceiver();
    work = await mkdtemp(join(tmpdir(), 'eye-samples-'));
    const a = await registerEndpoint(relay, `${rx.url}/plain`);
    const b = await registerEndpoint(relay, `${rx.url}/rotated`);
    // Non-ASCII metadata: the samples must verify the raw UTF-8 bytes.
    await startedSession(relay, { metadata: { browser_ua: 'Navigateur “été” ✓', screen_resolution: '1920x1080', timezone: 'Europe/Paris', sdk_version: '0.1.0' } });
    const [first] = await rx.waitFor((rs) => rs.length >= 2);
    eventId = first!.headers['webhook-id']!;
    const deliveryOf = async (endpointId: string) => (await api<DeliveryList>(relay, 'GET', `/v1/webhooks/endpoints/${endpointId}/deliveries`)).body.deliveries[0]!.id;
    plain = { ...a, deliveryId: await deliveryOf(a.id) };
    const rot = await api<ApiBody<'/v1/webhooks/endpoints/{id}/rotate-secret', 'post'>>(relay, 'POST', `/v1/webhooks/endpoints/${b.id}/rotate-secret`);
    rotated = { id: b.id, secret: rot.body.secret, oldSecret: b.secret, deliveryId: await deliveryOf(b.id) };
  });
  after(async () => {
    // Either may be missing when \`before\` failed.
    await (rx as Receiver | undefined)?.close();
    await (relay as TestRelay | undefined)?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A fresh attempt of the session.started event to `path`, as the receiver got it. */
  async function redelivered(path: string, deliveryId: string): Promise<ReceivedRequest> {
    const from = rx.requests.length;
    assert.equal((await api(relay, 'POST', `/v1/webhooks/deliveries/${deliveryId}/redeliver`)).status, 202);
    const got = await rx.waitFor((rs) => rs.slice(from).some((r) => r.path === path && r.headers['webhook-id'] === eventId), 30_000);
    return got.slice(from).find((r) => r.path === path && r.headers['webhook-id'] === eventId)!;
  }

  /** The cases, signed now, written to `<dir>/case-<i>/{headers,body}`. */
  async function freshCases(dir: string): Promise<Case[]> {
    const real = await redelivered('/plain', plain.deliveryId);
    const afterRotation = await redelivered('/rotated', rotated.deliveryId);
    assert.equal(afterRotation.headers['webhook-signature']!.split(' ').length, 2);
    const body = Buffer.from(real.body, 'utf8');
    assert.ok(body.length > real.body.length, 'the body has multi-byte characters');
    const now = Math.floor(Date.now() / 1000);
    const resigned = (timestamp: number) => signatureHeaders({ msgId: eventId, body, secrets: [plain.secret], timestamp });
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('session.started')] = 'S'.charCodeAt(0);
    const rotatedBody = Buffer.from(afterRotation.body, 'utf8');
    const cases: Case[] = [
      { name: 'valid delivery', secret: plain.secret, headers: pick(real), body, expect: OK },
      { name: 'wrong secret', secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64'), headers: pick(real), body, expect: FAIL },
      { name: 'tampered body', secret: plain.secret, headers: pick(real), body: tampered, expect: FAIL },
      { name: 'signed 7 minutes ago', secret: plain.secret, headers: resigned(now - 420), body, expect: FAIL },
      { name: 'signed 7 minutes ahead', secret: plain.secret, headers: resigned(now + 420), body, expect: FAIL },
      { name: 'signed 3 minutes ago', secret: plain.secret, headers: resigned(now - 180), body, expect: OK },
      { name: 'signed 3 minutes ahead', secret: plain.secret, headers: resigned(now + 180), body, expect: OK },
      { name: 'after rotation, new secret', secret: rotated.secret, headers: pick(afterRotation), body: rotatedBody, expect: OK },
      { name: 'after rotation, old secret', secret: rotated.oldSecret, headers: pick(afterRotation), body: rotatedBody, expect: 'classic=fail standard=ok' },
    ];
    for (const [i, c] of cases.entries()) {
      await mkdir(join(dir, `case-${i}`));
      await writeFile(join(dir, `case-${i}`, 'headers'), Object.entries(c.headers).map(([k, v]) => `${k}: ${v}\n`).join(''));
      await writeFile(join(dir, `case-${i}`, 'body'), c.body);
    }
    return cases;
  }

  test('the cases themselves: the reference recipe and the standardwebhooks library agree', async () => {
    for (const c of await freshCases(await mkdtemp(join(work, 'reference-')))) {
      const text = c.body.toString('utf8');
      const classic = verifyClassic(c.secret, c.headers, text).ok;
      let standard = true;
      try {
        verifyStandard(c.secret, c.headers, text);
      } catch {
        standard = false;
      }
      assert.equal(`classic=${classic ? 'ok' : 'fail'} standard=${standard ? 'ok' : 'fail'}`, c.expect, c.name);
    }
  });

  test('each installed sample gives the expected verdict on every case', async (t) => {
    const ran: string[] = [];
    const missing: string[] = [];
    for (const sample of SAMPLES) {
      const dir = await mkdtemp(join(work, 'sample-'));
      const cmd = await sample.prepare(dir);
      if (!Array.isArray(cmd)) {
        assert.ok(!sample.required, `${sample.language} sample must run here: ${cmd.missing} (CI installs it, see .ci/run)`);
        missing.push(`${sample.language} (${cmd.missing})`);
        continue;
      }
      for (const [i, c] of (await freshCases(dir)).entries()) {
        const { stdout }: { stdout: string } = await run(cmd[0]!, [...cmd.slice(1), c.secret, join(dir, `case-${i}`)], { env: TOOL_ENV, timeout: 120_000 });
        assert.equal(stdout.trim(), c.expect, `${sample.language}: ${c.name}`);
      }
      ran.push(sample.language);
    }
    t.diagnostic(`samples run: ${ran.join(', ')}; not run: ${missing.join(', ') || 'none'}`);
  });
});

function pick(r: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(SIGNATURE_HEADERS.map((h) => [h, r.headers[h] ?? '']));
}
