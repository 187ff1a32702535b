import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineOf, type DbEngine } from './db/connect.js';

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
  dataDir: string;
  mediaDir: string;
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
  };
  rateLimit: {
    /** Requests per window per session token on widget routes; 0 disables. */
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
  /** Project root: assets are served from its node_modules/ and dist/. */
  projectRoot: string;
}

export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  dataDir: './data',
  tokenTtlSeconds: 3 * 3600,
  mediaUrlTtlSeconds: 24 * 3600,
  jsonBodyBytes: 256 * 1024,
  imageBytes: 2 * 1024 * 1024,
  audioBytes: 10 * 1024 * 1024,
  rateLimitMax: 300,
  rateLimitWindowMs: 60_000,
  keepAliveMs: 72_000,
} as const;

/**
 * The package root (where package.json, node_modules and dist/ are): the nearest folder above this
 * module with the eye-proctor package.json, whether it runs from the sources (tsx) or compiled
 * (backend-stub/dist/...).
 */
export const PROJECT_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'eye-proctor') return dir + sep;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new Error(`eye-proctor's package.json not found above ${from}`);
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
  '--allowed-origins': 'ALLOWED_ORIGINS',
  '--token-ttl': 'EYE_TOKEN_TTL_SECONDS',
  '--media-url-ttl': 'EYE_MEDIA_URL_TTL_SECONDS',
  '--rate-limit': 'EYE_RATE_LIMIT_MAX',
  '--log-level': 'LOG_LEVEL',
  '--keep-alive-ms': 'EYE_KEEP_ALIVE_MS',
};

/** `--port 9000` / `--port=9000` flags override the matching environment variables. */
export function parseFlags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--demo') {
      out.EYE_DEMO = '1';
      continue;
    }
    if (arg === '--no-migrate') {
      out.EYE_AUTO_MIGRATE = '0';
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const envName = FLAGS[name!];
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
  overrides: Partial<RelayConfig> = {},
): RelayConfig {
  const e = { ...env, ...parseFlags(argv) };
  const dataDir = resolve(overrides.dataDir ?? e.EYE_DATA_DIR ?? DEFAULTS.dataDir);
  const port = overrides.port ?? int(e.PORT, DEFAULTS.port, 'PORT');
  if (port > 65535) throw new Error('PORT must be <= 65535');
  const databaseUrl = overrides.databaseUrl ?? (e.DATABASE_URL || join(dataDir, 'eye.sqlite'));
  const origins = e.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
  const config: RelayConfig = {
    port,
    host: e.HOST || DEFAULTS.host,
    publicUrl: (e.EYE_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl,
    dbEngine: engineOf(databaseUrl),
    pgSchema: e.EYE_PG_SCHEMA || null,
    dataDir,
    mediaDir: resolve(e.MEDIA_DIR || join(dataDir, 'media')),
    allowedOrigins: origins && origins.length > 0 ? origins : null,
    secret: overrides.secret ?? loadOrCreateSecret(dataDir, e.EYE_SECRET),
    tokenTtlSeconds: int(e.EYE_TOKEN_TTL_SECONDS, DEFAULTS.tokenTtlSeconds, 'EYE_TOKEN_TTL_SECONDS', 1),
    mediaUrlTtlSeconds: int(e.EYE_MEDIA_URL_TTL_SECONDS, DEFAULTS.mediaUrlTtlSeconds, 'EYE_MEDIA_URL_TTL_SECONDS', 1),
    limits: {
      jsonBodyBytes: int(e.EYE_JSON_BODY_LIMIT, DEFAULTS.jsonBodyBytes, 'EYE_JSON_BODY_LIMIT', 1024),
      imageBytes: int(e.EYE_IMAGE_LIMIT, DEFAULTS.imageBytes, 'EYE_IMAGE_LIMIT', 1024),
      audioBytes: int(e.EYE_AUDIO_LIMIT, DEFAULTS.audioBytes, 'EYE_AUDIO_LIMIT', 1024),
    },
    rateLimit: {
      max: int(e.EYE_RATE_LIMIT_MAX, DEFAULTS.rateLimitMax, 'EYE_RATE_LIMIT_MAX'),
      windowMs: int(e.EYE_RATE_LIMIT_WINDOW_MS, DEFAULTS.rateLimitWindowMs, 'EYE_RATE_LIMIT_WINDOW_MS', 1),
    },
    demo: bool(e.EYE_DEMO, false),
    autoMigrate: bool(e.EYE_AUTO_MIGRATE, true),
    logLevel: e.LOG_LEVEL || 'info',
    trustProxy: bool(e.TRUST_PROXY, false),
    keepAliveMs: int(e.EYE_KEEP_ALIVE_MS, DEFAULTS.keepAliveMs, 'EYE_KEEP_ALIVE_MS', 1000),
    projectRoot: PROJECT_ROOT,
  };
  return { ...config, ...overrides, limits: { ...config.limits, ...overrides.limits }, rateLimit: { ...config.rateLimit, ...overrides.rateLimit } };
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

/** Human-readable configuration for the start banner; never includes secrets. */
export function describeConfig(c: RelayConfig): string {
  const lines = [
    `listen        ${c.host}:${c.port}`,
    `public url    ${c.publicUrl}`,
    `database      ${c.dbEngine} ${c.dbEngine === 'postgres' ? redactUrl(c.databaseUrl) : c.databaseUrl}${c.pgSchema ? ` (schema ${c.pgSchema})` : ''}`,
    `media dir     ${c.mediaDir}`,
    `allowed orig. ${c.allowedOrigins ? c.allowedOrigins.join(', ') : '(unset: any origin on widget routes, none on API-key routes)'}`,
    `token ttl     ${c.tokenTtlSeconds}s, media url ttl ${c.mediaUrlTtlSeconds}s`,
    `limits        json ${c.limits.jsonBodyBytes} B, image ${c.limits.imageBytes} B, audio ${c.limits.audioBytes} B`,
    `rate limit    ${c.rateLimit.max ? `${c.rateLimit.max} per ${c.rateLimit.windowMs} ms per session token` : 'off'}`,
    `keep-alive    ${c.keepAliveMs} ms`,
    `demo tenant   ${c.demo ? 'on' : 'off'}`,
  ];
  return lines.join('\n');
}
