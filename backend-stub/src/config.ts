import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3StoreOptions } from './media/s3-store.js';
import type { MediaStoreKind } from './media/store.js';
import { DEFAULT_PG_APPLICATION_NAME, engineOf, type DbEngine, type DbOptions } from './db/connect.js';

/** Everything the relay reads from its environment and command line. */
export interface RelayConfig {
  port: number;
  host: string;
  /** Base URL clients reach the relay at; used to build absolute signed media URLs. */
  publicUrl: string;
  /** `postgres://...` or a SQLite file path. */
  databaseUrl: string;
  dbEngine: DbEngine;
  /** PostgreSQL schema for the relay's tables (default: the connection's search_path). */
  pgSchema: string | null;
  /** PostgreSQL `application_name` of the relay's connections (EYE_PG_APPLICATION_NAME, default eye-relay). */
  pgApplicationName: string;
  /** PostgreSQL: named prepared statements (EYE_PG_PREPARE, default on; 0 behind a transaction-mode pooler such as PgBouncer). */
  pgPrepare: boolean;
  dataDir: string;
  /** Upload temp files, and committed media when `mediaStore` is `disk`. */
  mediaDir: string;
  /**
   * Where committed media bytes live (EYE_MEDIA_STORE / --media-store): `disk` (mediaDir, one relay),
   * `database` (table media_blobs: every relay on the same PostgreSQL serves every session's media)
   * or `s3` (an S3-compatible bucket every relay reads). Default `auto`: `database` on PostgreSQL,
   * `disk` on SQLite.
   */
  mediaStore: MediaStoreKind;
  /** The object store when `mediaStore` is `s3` (EYE_S3_*), else null. Its secret key is never printed. */
  s3: S3StoreOptions | null;
  /**
   * Origins allowed by CORS. null (ALLOWED_ORIGINS unset): widget routes (session token, signed
   * media, assets: no cookies, no ambient credentials) reflect any origin, API-key routes allow none.
   * A list: only those origins, on every route. `*` in the list: any origin everywhere.
   */
  allowedOrigins: string[] | null;
  /** Signs session tokens and media URLs (derived keys). Never printed. */
  secret: string;
  tokenTtlSeconds: number;
  mediaUrlTtlSeconds: number;
  limits: {
    /** JSON request bodies. */
    jsonBodyBytes: number;
    imageBytes: number;
    audioBytes: number;
    /**
     * A refused oversized body is still read (and discarded) up to this many bytes before the 413 is
     * sent, so that a client still uploading reads the answer instead of a connection reset. Beyond
     * it the relay answers and closes the connection.
     */
    drainBytes: number;
  };
  /** How far in the future (relay clock) a flag's createdAt may be: device clocks drift. */
  clockSkewMs: number;
  rateLimit: {
    /** Requests per window per session (any of its tokens) on each widget route; 0 disables. */
    max: number;
    windowMs: number;
  };
  /** Create the demo tenant with the documented dev API key. */
  demo: boolean;
  autoMigrate: boolean;
  logLevel: string;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (rate limits by IP). */
  trustProxy: boolean;
  /**
   * How long an idle client connection stays open. Fastify's 72 s outlives the 60 s idle timeout of
   * common load balancers; lower it when browsers connect directly and memory matters (each idle
   * keep-alive socket holds a few KB).
   */
  keepAliveMs: number;
  /**
   * Group commit for plain flags (EYE_INGEST_GROUP_COMMIT = auto | 1 | 0): concurrent flags share
   * one transaction, each answered after its commit (sessions/group-ingest.ts). `auto` (default):
   * on with both engines. SQLite saves a commit per flag; on PostgreSQL (4 shared transactions at
   * a time, sessions locked in id order, the flags of a transaction written by one statement)
   * round trips too: the bench of 2026-12-03 measured 2.5-3.3x the flags per second of one
   * transaction per flag (docs/BENCHMARKS.md). `0` stores each flag in its own transaction.
   */
  ingestGroupCommit: boolean;
  /**
   * With group commit: while flags arrive less than this many ms apart, a shared transaction waits
   * this long for more before it starts (EYE_INGEST_GATHER_MS, default 2; 0: never). Flags from
   * thousands of candidates arrive one at a time, not in bursts of concurrent requests; without it
   * each took a commit of its own. A flag after a quiet spell is not delayed.
   */
  ingestGatherMs: number;
  /**
   * SQLite page cache of the relay's connection, MiB (EYE_SQLITE_CACHE_MB, default 2). Flags of
   * many sessions touch a leaf page per session in each index keyed by session; when those pages
   * outgrow the cache, every miss is a read from the WAL or the file. Before migration 0014 dropped
   * two flag indexes, 8 MiB stored flags of 200 sessions with 10-20 % less relay CPU; after it the
   * difference was within the machine's noise at 200 and 2,000 sessions. More cache costs RSS
   * (up to 6 MiB more at 8), which the 10,000-session memory target has not to spare.
   */
  sqliteCacheMiB: number;
  /**
   * Relay processes `eye-relay serve` runs on its one port (EYE_WORKERS / --workers: a count, or
   * `auto` for one per CPU core; default 1). More than one needs PostgreSQL (src/cluster.ts).
   */
  workers: number;
  /** Project root: assets are served from its node_modules/ and dist/. */
  projectRoot: string;
}

/** Overrides for loadConfig (tests, embedding): any field, and any subset of the nested limits. */
export type ConfigOverrides = Partial<Omit<RelayConfig, 'limits' | 'rateLimit'>> & {
  limits?: Partial<RelayConfig['limits']>;
  rateLimit?: Partial<RelayConfig['rateLimit']>;
};

export const DEFAULTS = {
  sqliteCacheMiB: 2,
  ingestGatherMs: 2,
  port: 8080,
  host: '0.0.0.0',
  dataDir: './data',
  tokenTtlSeconds: 3 * 3600,
  mediaUrlTtlSeconds: 24 * 3600,
  jsonBodyBytes: 256 * 1024,
  imageBytes: 2 * 1024 * 1024,
  audioBytes: 10 * 1024 * 1024,
  drainBytes: 64 * 1024 * 1024,
  clockSkewMs: 5 * 60_000,
  rateLimitMax: 300,
  rateLimitWindowMs: 60_000,
  keepAliveMs: 72_000,
} as const;

/**
 * Demo mode serves a public API key and allows webhooks to loopback targets, so it listens on the
 * loopback interface only unless HOST / --host says otherwise (anyone on the LAN could otherwise
 * register webhooks to this machine's 127.0.0.1 services).
 */
export const DEMO_HOST = '127.0.0.1';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The folder whose demo/, dist/ (widget bundles) and node_modules the relay serves: the eye-proctor
 * workspace root above this module in a repository checkout, whether it runs from the sources (tsx)
 * or compiled (backend-stub/dist/...); in an installed eye-relay package, that package's own folder
 * (the API runs, the demo pages are absent).
 */
export const PROJECT_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  let relayRoot: string | undefined;
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
      if (name === 'eye-proctor') return dir + sep;
      if (name === 'eye-relay') relayRoot ??= dir + sep;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) {
      if (relayRoot) return relayRoot;
      throw new Error(`neither eye-proctor's nor eye-relay's package.json found above ${from}`);
    }
  }
}

const FLAGS: Record<string, string> = {
  '--port': 'PORT',
  '--host': 'HOST',
  '--public-url': 'EYE_PUBLIC_URL',
  '--database-url': 'DATABASE_URL',
  '--pg-schema': 'EYE_PG_SCHEMA',
  '--data-dir': 'EYE_DATA_DIR',
  '--media-dir': 'MEDIA_DIR',
  '--media-store': 'EYE_MEDIA_STORE',
  '--allowed-origins': 'ALLOWED_ORIGINS',
  '--token-ttl': 'EYE_TOKEN_TTL_SECONDS',
  '--media-url-ttl': 'EYE_MEDIA_URL_TTL_SECONDS',
  '--rate-limit': 'EYE_RATE_LIMIT_MAX',
  '--log-level': 'LOG_LEVEL',
  '--keep-alive-ms': 'EYE_KEEP_ALIVE_MS',
  '--workers': 'EYE_WORKERS',
};

/** `--port 9000` / `--port=9000` flags override the matching environment variables. */
export function parseFlags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) break;
    if (arg === '--demo') {
      out.EYE_DEMO = '1';
      continue;
    }
    if (arg === '--no-migrate') {
      out.EYE_AUTO_MIGRATE = '0';
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const envName = FLAGS[name];
    if (!envName) throw new Error(`unknown option ${arg} (known: ${Object.keys(FLAGS).join(', ')}, --demo, --no-migrate)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`option ${name} needs a value`);
    out[envName] = value;
  }
  return out;
}

function int(value: string | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * EYE_WORKERS: how many relay processes share the port, or `auto` (one per core). Several need
 * PostgreSQL: SQLite takes one writer at a time, and the console's live feeds and the delivery
 * worker's wake-ups cross processes only through PostgreSQL's NOTIFY. Not in demo mode (its
 * built-in receiver's feed is per process).
 */
export function workersOf(value: string | undefined, engine: DbEngine, demo = false): number {
  const v = (value ?? '').trim().toLowerCase();
  const n = v === 'auto' ? availableParallelism() : int(v, 1, 'EYE_WORKERS (--workers)', 1);
  if (n > 1 && engine !== 'postgres') {
    throw new Error(`EYE_WORKERS (--workers) ${value} needs PostgreSQL (DATABASE_URL=postgres://...): with SQLite run one relay process`);
  }
  if (n > 1 && demo) throw new Error('demo mode runs one relay process: leave out EYE_WORKERS (--workers)');
  return n;
}

/**
 * EYE_MEDIA_STORE: `auto` (default: the database on PostgreSQL, the disk on SQLite), `disk`,
 * `database` or `s3` (then the EYE_S3_* settings, see s3Of).
 */
export function mediaStoreOf(value: string | undefined, engine: DbEngine): MediaStoreKind {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return engine === 'postgres' ? 'database' : 'disk';
  if (v === 'disk' || v === 'database' || v === 's3') return v;
  throw new Error(`EYE_MEDIA_STORE must be auto, disk, database or s3, got ${JSON.stringify(value)}`);
}

/**
 * The S3 media store's settings: EYE_S3_BUCKET (required), EYE_S3_ENDPOINT (default AWS S3 in the
 * region), EYE_S3_REGION (default us-east-1), EYE_S3_ACCESS_KEY_ID / EYE_S3_SECRET_ACCESS_KEY (or
 * the AWS_* names; AWS_SESSION_TOKEN for temporary credentials), EYE_S3_PREFIX (default `media/`),
 * EYE_S3_PATH_STYLE (default on for a custom endpoint, off for AWS).
 */
export function s3Of(e: NodeJS.ProcessEnv): S3StoreOptions {
  const bucket = e.EYE_S3_BUCKET?.trim();
  if (!bucket) throw new Error('EYE_MEDIA_STORE=s3 needs EYE_S3_BUCKET');
  const region = e.EYE_S3_REGION?.trim() || e.AWS_REGION?.trim() || 'us-east-1';
  const custom = e.EYE_S3_ENDPOINT?.trim();
  const endpoint = custom || `https://s3.${region}.amazonaws.com`;
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new Error(`EYE_S3_ENDPOINT must be an http(s) URL, got ${JSON.stringify(custom)}`);
  const accessKeyId = e.EYE_S3_ACCESS_KEY_ID || e.AWS_ACCESS_KEY_ID;
  const secretAccessKey = e.EYE_S3_SECRET_ACCESS_KEY || e.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('EYE_MEDIA_STORE=s3 needs EYE_S3_ACCESS_KEY_ID and EYE_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  const prefix = e.EYE_S3_PREFIX ?? 'media/';
  if (prefix.startsWith('/') || /[^A-Za-z0-9/._-]/.test(prefix)) throw new Error(`EYE_S3_PREFIX may hold letters, digits and / . _ - and must not start with /, got ${JSON.stringify(prefix)}`);
  return {
    endpoint,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    sessionToken: e.AWS_SESSION_TOKEN || undefined,
    pathStyle: bool(e.EYE_S3_PATH_STYLE, Boolean(custom)),
    prefix,
  };
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** The secret from EYE_SECRET, else one generated on first start and kept in the data dir (0600). */
export function loadOrCreateSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 32) throw new Error('EYE_SECRET must be at least 32 characters');
    return fromEnv;
  }
  const file = join(dataDir, 'relay-secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Builds the configuration: flags override environment variables override defaults.
 * `overrides` (tests, embedding) win over everything.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = [],
  overrides: ConfigOverrides = {},
): RelayConfig {
  const e = { ...env, ...parseFlags(argv) };
  const dataDir = resolve(overrides.dataDir ?? e.EYE_DATA_DIR ?? DEFAULTS.dataDir);
  const port = overrides.port ?? int(e.PORT, DEFAULTS.port, 'PORT');
  if (port > 65535) throw new Error('PORT must be <= 65535');
  const databaseUrl = overrides.databaseUrl ?? (e.DATABASE_URL || join(dataDir, 'eye.sqlite'));
  const demo = bool(e.EYE_DEMO, false);
  const origins = e.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
  const mediaStore = overrides.mediaStore ?? mediaStoreOf(e.EYE_MEDIA_STORE, overrides.dbEngine ?? engineOf(databaseUrl));
  const config: RelayConfig = {
    port,
    host: e.HOST || (demo ? DEMO_HOST : DEFAULTS.host),
    publicUrl: (e.EYE_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl,
    dbEngine: engineOf(databaseUrl),
    pgSchema: e.EYE_PG_SCHEMA || null,
    pgApplicationName: e.EYE_PG_APPLICATION_NAME || DEFAULT_PG_APPLICATION_NAME,
    pgPrepare: bool(e.EYE_PG_PREPARE, true),
    dataDir,
    mediaDir: resolve(e.MEDIA_DIR || join(dataDir, 'media')),
    mediaStore,
    s3: overrides.s3 ?? (mediaStore === 's3' ? s3Of(e) : null),
    allowedOrigins: origins && origins.length > 0 ? origins : null,
    secret: overrides.secret ?? loadOrCreateSecret(dataDir, e.EYE_SECRET),
    tokenTtlSeconds: int(e.EYE_TOKEN_TTL_SECONDS, DEFAULTS.tokenTtlSeconds, 'EYE_TOKEN_TTL_SECONDS', 1),
    mediaUrlTtlSeconds: int(e.EYE_MEDIA_URL_TTL_SECONDS, DEFAULTS.mediaUrlTtlSeconds, 'EYE_MEDIA_URL_TTL_SECONDS', 1),
    limits: {
      jsonBodyBytes: int(e.EYE_JSON_BODY_LIMIT, DEFAULTS.jsonBodyBytes, 'EYE_JSON_BODY_LIMIT', 1024),
      imageBytes: int(e.EYE_IMAGE_LIMIT, DEFAULTS.imageBytes, 'EYE_IMAGE_LIMIT', 1024),
      audioBytes: int(e.EYE_AUDIO_LIMIT, DEFAULTS.audioBytes, 'EYE_AUDIO_LIMIT', 1024),
      drainBytes: int(e.EYE_DRAIN_LIMIT, DEFAULTS.drainBytes, 'EYE_DRAIN_LIMIT'),
    },
    clockSkewMs: int(e.EYE_CLOCK_SKEW_MS, DEFAULTS.clockSkewMs, 'EYE_CLOCK_SKEW_MS'),
    rateLimit: {
      max: int(e.EYE_RATE_LIMIT_MAX, DEFAULTS.rateLimitMax, 'EYE_RATE_LIMIT_MAX'),
      windowMs: int(e.EYE_RATE_LIMIT_WINDOW_MS, DEFAULTS.rateLimitWindowMs, 'EYE_RATE_LIMIT_WINDOW_MS', 1),
    },
    demo,
    autoMigrate: bool(e.EYE_AUTO_MIGRATE, true),
    logLevel: e.LOG_LEVEL || 'info',
    trustProxy: bool(e.TRUST_PROXY, false),
    keepAliveMs: int(e.EYE_KEEP_ALIVE_MS, DEFAULTS.keepAliveMs, 'EYE_KEEP_ALIVE_MS', 1000),
    ingestGroupCommit: e.EYE_INGEST_GROUP_COMMIT === 'auto' || bool(e.EYE_INGEST_GROUP_COMMIT, true),
    ingestGatherMs: int(e.EYE_INGEST_GATHER_MS, DEFAULTS.ingestGatherMs, 'EYE_INGEST_GATHER_MS'),
    sqliteCacheMiB: int(e.EYE_SQLITE_CACHE_MB, DEFAULTS.sqliteCacheMiB, 'EYE_SQLITE_CACHE_MB', 1),
    workers: workersOf(e.EYE_WORKERS, engineOf(databaseUrl), demo),
    projectRoot: PROJECT_ROOT,
  };
  return { ...config, ...overrides, limits: { ...config.limits, ...overrides.limits }, rateLimit: { ...config.rateLimit, ...overrides.rateLimit } };
}

/** How the relay opens its database from its configuration. */
export function dbOptionsOf(c: RelayConfig): DbOptions {
  return { databaseUrl: c.databaseUrl, pgSchema: c.pgSchema, pgApplicationName: c.pgApplicationName, pgPrepare: c.pgPrepare, sqliteCacheKiB: c.sqliteCacheMiB * 1024 };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function describeMediaStore(c: RelayConfig): string {
  if (c.mediaStore === 'database') return `in the database (media_blobs); uploads staged in ${c.mediaDir}`;
  if (c.mediaStore === 's3' && c.s3) return `S3 bucket ${c.s3.bucket} at ${c.s3.endpoint}, prefix ${c.s3.prefix || '(none)'}, key id ${c.s3.accessKeyId}; uploads staged in ${c.mediaDir}`;
  return `files in ${c.mediaDir}`;
}

/** Human-readable configuration for the start banner; never includes secrets. */
export function describeConfig(c: RelayConfig): string {
  const lines = [
    `listen        ${c.host}:${c.port}`,
    `public url    ${c.publicUrl}`,
    `database      ${c.dbEngine} ${c.dbEngine === 'postgres' ? redactUrl(c.databaseUrl) : c.databaseUrl}${c.pgSchema ? ` (schema ${c.pgSchema})` : ''}`,
    `media         ${describeMediaStore(c)}`,
    `allowed orig. ${c.allowedOrigins ? c.allowedOrigins.join(', ') : '(unset: any origin on widget routes, none on API-key routes)'}`,
    `token ttl     ${c.tokenTtlSeconds}s, media url ttl ${c.mediaUrlTtlSeconds}s`,
    `limits        json ${c.limits.jsonBodyBytes} B, image ${c.limits.imageBytes} B, audio ${c.limits.audioBytes} B, drain ${c.limits.drainBytes} B`,
    `clock skew    createdAt up to ${c.clockSkewMs} ms ahead`,
    `rate limit    ${c.rateLimit.max ? `${c.rateLimit.max} per ${c.rateLimit.windowMs} ms per session` : 'off'}`,
    `keep-alive    ${c.keepAliveMs} ms`,
    `demo tenant   ${c.demo ? 'on' : 'off'}`,
    ...(c.workers > 1 ? [`processes     ${c.workers} relay processes on one port`] : []),
  ];
  return lines.join('\n');
}
