/**
 * SSRF guard for webhook targets. A URL is accepted only if it is https (unless the operator allows
 * plain http) and every address its host resolves to is public (unless the operator allows loopback
 * and/or private ranges). The sender then connects only to the addresses checked here (pinned
 * through a custom `lookup`), so a DNS answer that changes between the check and the connection
 * (rebinding) cannot redirect the request; redirects are never followed.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';

export interface TargetPolicy {
  /** Allow `http:` URLs (tests and the local demo; never in production). */
  allowHttp: boolean;
  /** Allow loopback addresses (127.0.0.0/8, ::1). */
  allowLoopback: boolean;
  /** Allow private, link-local, CGNAT and other non-public ranges. */
  allowPrivate: boolean;
}

export const STRICT_POLICY: TargetPolicy = { allowHttp: false, allowLoopback: false, allowPrivate: false };

export type AddressClass = 'public' | 'loopback' | 'private';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Everything that is neither public nor loopback: RFC 1918, CGNAT, link-local, multicast, ULA, reserved... */
const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID...)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address we do not unpack
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  nonPublic.addSubnet(net, prefix, 'ipv6');
}

/** IPv4 embedded in an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) address. */
function embeddedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  const dotted = m?.[1];
  if (dotted !== undefined) return dotted;
  const [, hiText, loText] = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower) ?? [];
  if (hiText !== undefined && loText !== undefined) {
    const hi = parseInt(hiText, 16);
    const lo = parseInt(loText, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** `map`'s answer for `key`, computed once (a throw stores nothing); emptied when it holds `max`. For answers that never go stale. */
function remembered<V>(map: Map<string, V>, key: string, max: number, compute: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = compute();
    if (map.size >= max) map.clear();
    map.set(key, v);
  }
  return v;
}

/**
 * Answers of classifyAddress, by literal: it runs on every webhook attempt, and each BlockList check
 * allocates. A pure function of the literal, so an answer never goes stale.
 */
const classified = new Map<string, AddressClass>();
const CLASSIFIED_MAX = 4096;

/** Classify one IP address literal. Anything unparseable counts as private (refused by default). */
export function classifyAddress(address: string): AddressClass {
  return remembered(classified, address, CLASSIFIED_MAX, () => classifyLiteral(address));
}

function classifyLiteral(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return 'private';
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4) return classifyAddress(v4);
    // Other IPv4-compatible forms (::a.b.c.d written in hex) are deprecated: refuse.
    if (/^::[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) return 'private';
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(address, type)) return 'loopback';
  if (nonPublic.check(address, type)) return 'private';
  return 'public';
}

export function isAddressAllowed(address: string, policy: TargetPolicy): boolean {
  const cls = classifyAddress(address);
  if (cls === 'public') return true;
  if (cls === 'loopback') return policy.allowLoopback;
  return policy.allowPrivate;
}

export class UnsafeTargetError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_url' | 'insecure_scheme' | 'private_address' | 'unresolvable',
  ) {
    super(message);
    this.name = 'UnsafeTargetError';
  }
}

/** Syntactic checks only (scheme, credentials, host): no DNS. Returns the parsed URL. */
export function parseWebhookUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeTargetError('url is not a valid absolute URL', 'invalid_url');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UnsafeTargetError('webhook URLs must use https', 'insecure_scheme');
  }
  if (url.username || url.password) {
    throw new UnsafeTargetError('webhook URLs must not carry credentials', 'invalid_url');
  }
  if (!url.hostname) throw new UnsafeTargetError('webhook URL has no host', 'invalid_url');
  return url;
}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** The http.request options that name a target, as Node derives them from its URL. */
export interface RequestTarget {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  hostname: string;
  /** Empty for the scheme's default port. */
  port: string;
  /** Path and query. */
  path: string;
}

export interface ResolvedTarget {
  url: URL;
  request: RequestTarget;
  /** Every address the host resolved to, each allowed by the policy, in the resolver's order (at least one). */
  addresses: CheckedAddress[];
}

/** What http.request would take from `url` (urlToHttpOptions), taken once per URL instead of per attempt. */
export function requestTargetOf(url: URL): RequestTarget {
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { protocol: url.protocol === 'https:' ? 'https:' : 'http:', hostname, port: url.port, path: url.pathname + url.search };
}

interface ParsedTarget {
  url: URL;
  request: RequestTarget;
}

/**
 * Parsed webhook URLs by policy: the worker resolves its endpoints' URLs again on every attempt
 * (the addresses may change), but parsing the same text under the same policy gives the same answer.
 * Only accepted URLs are kept; the URL objects are never changed.
 */
const parsedByPolicy = new WeakMap<TargetPolicy, Map<string, ParsedTarget>>();
const PARSED_MAX = 1000;

function parsedTarget(raw: string, policy: TargetPolicy): ParsedTarget {
  let parsed = parsedByPolicy.get(policy);
  if (!parsed) parsedByPolicy.set(policy, (parsed = new Map<string, ParsedTarget>()));
  return remembered(parsed, raw, PARSED_MAX, () => {
    const url = parseWebhookUrl(raw, policy);
    return { url, request: requestTargetOf(url) };
  });
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** getaddrinfo, as Node's http client would (hosts file, nsswitch), every answer in the resolver's order. */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Parse, resolve and check a webhook URL. Every resolved address must be allowed (one bad answer
 * refuses the host: an attacker controls the order). Returns the address to pin the connection to.
 */
export async function resolveWebhookTarget(
  raw: string,
  policy: TargetPolicy,
  resolver: Resolver = systemResolver,
): Promise<ResolvedTarget> {
  const { url, request } = parsedTarget(raw, policy);
  const host = request.hostname;
  let answers: { address: string; family: number }[];
  if (isIP(host)) {
    answers = [{ address: host, family: isIP(host) }];
  } else {
    try {
      answers = await resolver(host);
    } catch (err) {
      throw new UnsafeTargetError(`cannot resolve ${host}: ${(err as Error).message}`, 'unresolvable');
    }
    if (answers.length === 0) throw new UnsafeTargetError(`cannot resolve ${host}`, 'unresolvable');
  }
  for (const a of answers) {
    if (!isAddressAllowed(a.address, policy)) {
      throw new UnsafeTargetError(
        `${host} resolves to ${a.address} (${classifyAddress(a.address)}), which webhooks may not target`,
        'private_address',
      );
    }
  }
  if (answers.length === 0) throw new UnsafeTargetError(`cannot resolve ${host}`, 'unresolvable');
  return { url, request, addresses: answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })) };
}

/**
 * A `lookup` for http.request that ignores DNS and answers with the already-checked addresses:
 * all of them when asked for all (Node then tries the next one when a connection fails, as with
 * an IPv6 answer that has no route), else the first.
 */
export function pinnedLookup(addresses: readonly CheckedAddress[]): LookupFunction {
  const [first] = addresses;
  if (!first) throw new Error('pinnedLookup needs at least one address');
  return ((_hostname: string, options: { all?: boolean } | number | null | undefined, callback: (...args: unknown[]) => void) => {
    const cb = typeof options === 'function' ? (options as (...args: unknown[]) => void) : callback;
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (all) cb(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else cb(null, first.address, first.family);
  }) as unknown as LookupFunction;
}
