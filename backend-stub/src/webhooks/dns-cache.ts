/**
 * DNS answers for webhook hosts, kept for a short time by the delivery worker. Without it every
 * attempt to a named endpoint ran its own getaddrinfo (no cache in glibc, four libuv threads
 * shared with file I/O): with a resolver that takes milliseconds, a host name capped a relay at a
 * few hundred deliveries per second, and a slow resolver stalled every attempt.
 *
 * Only the answers are kept: every attempt still checks them against the target policy and
 * connects to the checked address (ssrf.ts), so a name that now points somewhere forbidden is
 * refused once its answer is renewed, and never contacted at the new address. When an answer is
 * older than `ttlMs` it is renewed in the background while attempts go on with it ("serve stale",
 * RFC 8767), for at most `maxStaleMs`: a resolver that is down does not stop deliveries to hosts
 * it answered for minutes ago; beyond that, attempts wait for the resolver and fail with it.
 */
import type { Resolver } from './ssrf.js';

type Answers = Awaited<ReturnType<Resolver>>;

interface Entry {
  answers: Answers;
  /** When the answers arrived. */
  at: number;
  /** No renewal is started before this (after a failed one, so a fast failure is not asked again per attempt). */
  retryAt: number;
}

export interface DnsCacheOptions {
  /** Answers younger than this are used as they are. 0 = no cache (every attempt asks the resolver). */
  ttlMs: number;
  /** How long past ttlMs an answer is still used while its renewal fails or is under way. */
  maxStaleMs: number;
  /** Host names kept; the least recently used one goes first. */
  maxHosts: number;
  now?: () => number;
}

export const DNS_CACHE_DEFAULTS: DnsCacheOptions = { ttlMs: 30_000, maxStaleMs: 10 * 60_000, maxHosts: 1000 };

/** Wait this long after a failed renewal before asking again (at most ttlMs). */
const RETRY_AFTER_FAILURE_MS = 5000;

export class DnsCache {
  readonly #hosts = new Map<string, Entry>();
  /** One question per host at a time: attempts that find the same answer missing share it. */
  readonly #asking = new Map<string, Promise<Answers>>();
  readonly #now: () => number;

  constructor(
    private readonly resolver: Resolver,
    private readonly opts: DnsCacheOptions = DNS_CACHE_DEFAULTS,
  ) {
    this.#now = opts.now ?? (() => performance.now());
  }

  /** A Resolver: fresh answers from the cache, else the resolver's (see the module comment). */
  readonly lookup: Resolver = (host) => {
    if (this.opts.ttlMs <= 0) return this.resolver(host);
    const entry = this.#hosts.get(host);
    if (!entry) return this.#ask(host);
    const t = this.#now();
    const age = t - entry.at;
    // Most recently used last: the first key is the one to drop.
    this.#hosts.delete(host);
    this.#hosts.set(host, entry);
    if (age < this.opts.ttlMs) return Promise.resolve(entry.answers);
    if (age < this.opts.ttlMs + this.opts.maxStaleMs) {
      if (t >= entry.retryAt) {
        this.#ask(host).catch(() => {
          entry.retryAt = this.#now() + Math.min(this.opts.ttlMs, RETRY_AFTER_FAILURE_MS);
        });
      }
      return Promise.resolve(entry.answers);
    }
    this.#hosts.delete(host);
    return this.#ask(host);
  };

  /** Host names with an answer kept (tests, diagnostics). */
  get size(): number {
    return this.#hosts.size;
  }

  #ask(host: string): Promise<Answers> {
    let asking = this.#asking.get(host);
    if (asking) return asking;
    asking = this.resolver(host)
      .then((answers) => {
        // An empty answer is no answer: a kept stale one stays, like after a failure.
        if (answers.length === 0) throw new Error(`no address found for ${host}`);
        this.#keep(host, answers);
        return answers;
      })
      .finally(() => this.#asking.delete(host));
    this.#asking.set(host, asking);
    return asking;
  }

  #keep(host: string, answers: Answers): void {
    this.#hosts.delete(host);
    const oldest = this.#hosts.keys().next();
    if (this.#hosts.size >= this.opts.maxHosts && !oldest.done) this.#hosts.delete(oldest.value);
    const at = this.#now();
    this.#hosts.set(host, { answers, at, retryAt: at });
  }
}
