/**
 * One webhook HTTP attempt: POST to already-checked, pinned addresses, no redirects followed,
 * a hard deadline covering connect + response headers + the excerpt we keep of the body.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { ResolvedTarget } from './ssrf.js';
import { pinnedLookup } from './ssrf.js';

export interface PostResult {
  /** HTTP status, or null when no response arrived (network error, timeout). */
  statusCode: number | null;
  latencyMs: number;
  /** Network / timeout error, or null when a response arrived. */
  error: string | null;
  /** First bytes of the response body (UTF-8, for the delivery log). */
  responseExcerpt: string | null;
  /** Raw `Retry-After` header, if any. */
  retryAfter: string | null;
}

export const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * Text from the receiver, as the delivery log can store it: PostgreSQL text cannot hold NUL, and
 * an outcome that fails to be written is sent again when its lease ends, every time.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text;
}

/**
 * Keep-alive agents, one per (origin, checked address, CA set): consecutive deliveries to an
 * endpoint reuse a connection instead of a TCP (and TLS) handshake each. Keyed by the pinned
 * address too, so a reused socket always goes to an address the SSRF policy accepted. Bounded:
 * the least recently used agent is closed beyond `maxAgents`. One pool per delivery worker.
 */
export class AgentPool {
  readonly #agents = new Map<string, http.Agent>();

  constructor(
    private readonly maxAgents = 256,
    private readonly socketsPerAgent = 16,
  ) {}

  for(target: ResolvedTarget, extraCa: string | null): http.Agent {
    const { protocol, hostname, port } = target.request;
    const key = `${protocol}//${hostname}:${port}|${target.addresses.map((a) => a.address).join(',')}|${extraCa ? 'ca' : ''}`;
    let agent = this.#agents.get(key);
    if (agent) {
      this.#agents.delete(key); // re-insert: most recently used last
    } else {
      const n = this.socketsPerAgent;
      const opts = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: n, maxFreeSockets: n, timeout: 30_000 };
      agent = protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
      const oldestEntry = this.#agents.entries().next();
      if (this.#agents.size >= this.maxAgents && !oldestEntry.done) {
        const [oldestKey, oldest] = oldestEntry.value;
        this.#agents.delete(oldestKey);
        oldest.destroy();
      }
    }
    this.#agents.set(key, agent);
    return agent;
  }

  /** Closes every pooled connection. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/**
 * One TLS context per extra CA (EYE_WEBHOOK_CA_FILE; one per process). A `ca` option on each
 * request instead cost ~25 ms of CPU per new connection (a context built from Node's ~140 root
 * certificates) and ~0.2 ms per request (the agent's key for it includes every certificate).
 */
const contextsWithCa = new Map<string, tls.SecureContext>();

function contextWithCa(extraCa: string): tls.SecureContext {
  let context = contextsWithCa.get(extraCa);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, extraCa] });
    contextsWithCa.set(extraCa, context);
  }
  return context;
}

export function postWebhook(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  /** Extra trusted CAs (PEM), added to Node's root store. */
  extraCa: string | null = null,
  /** Reuse connections from this pool; without one, a fresh connection per attempt. */
  pool: AgentPool | null = null,
): Promise<PostResult> {
  const started = performance.now();
  const isHttps = target.request.protocol === 'https:';
  const mod = isHttps ? https : http;
  const payload = Buffer.from(body, 'utf8');
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | null = null;
    const finish = (r: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: Math.round(performance.now() - started) });
    };
    // Headers arrived in time but the body is still trickling: the status counts, the excerpt is what came.
    let onHeaders: (() => void) | null = null;
    const send = (agent: http.Agent | false) => {
      const sent = mod.request(
        {
          ...target.request,
          method: 'POST',
          // Connect to the checked addresses; TLS SNI and certificate verification still use the URL's host name.
          lookup: pinnedLookup(target.addresses),
          ...(isHttps && extraCa ? { secureContext: contextWithCa(extraCa) } : {}),
          agent,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(payload.length),
            'user-agent': 'Eye-Relay-Webhooks/1',
            ...headers,
          },
        },
        (res) => {
          onHeaders = () => { done(); };
          const chunks: Buffer[] = [];
          let size = 0;
          const retryAfterHeader = res.headers['retry-after'];
          const done = () => {
            finish({
              statusCode: res.statusCode ?? null,
              error: null,
              responseExcerpt: storableText(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8')),
              retryAfter: typeof retryAfterHeader === 'string' ? retryAfterHeader : null,
            });
          };
          res.on('data', (c: Buffer) => {
            if (size < RESPONSE_EXCERPT_BYTES) chunks.push(c);
            size += c.length;
            if (size >= RESPONSE_EXCERPT_BYTES) {
              done();
              res.destroy();
            }
          });
          res.on('end', done);
          res.on('error', done);
          res.on('close', done);
        },
      );
      sent.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        // A kept-alive connection the receiver closed as this request went out (its idle timeout,
        // without a Keep-Alive hint), so the request was most likely never read. Sent again at once
        // on a new connection, within the same deadline, instead of failing the attempt (Node's
        // documented `reusedSocket` pattern); a receiver that did read it dedupes on webhook-id.
        if (sent.reusedSocket && !onHeaders && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          req = send(false);
          return;
        }
        finish({ statusCode: null, error: storableText(err.code ? `${err.code}: ${err.message}` : err.message), responseExcerpt: null, retryAfter: null });
      });
      sent.end(payload);
      return sent;
    };
    const timer = setTimeout(() => {
      if (onHeaders) onHeaders();
      else finish({ statusCode: null, error: `timeout after ${timeoutMs} ms`, responseExcerpt: null, retryAfter: null });
      req?.destroy();
    }, timeoutMs);
    req = send(pool ? pool.for(target, extraCa) : false);
  });
}
