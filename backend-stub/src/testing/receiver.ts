/**
 * A real local HTTP webhook receiver for tests: records every request (raw body bytes as text and
 * headers) and answers as told: a status, headers such as Retry-After, a delay, or never (hang).
 * It can go down and come back up on the same port, to test retries across an outage.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The exact body bytes, decoded as UTF-8. */
  body: string;
  receivedAt: number;
}

export interface ReceiverResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the connection stays open until the sender gives up or the receiver closes). */
  hang?: boolean;
}

export type Responder = (req: ReceivedRequest, index: number) => ReceiverResponse;

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:43121 (append any path). */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Answer every following request with this. */
  respondWith(response: ReceiverResponse): void;
  /** Answer the next requests with these, in order; then fall back to the default responder. */
  queue(...responses: ReceiverResponse[]): void;
  setResponder(responder: Responder): void;
  /** Stop listening and drop open connections (the port stays reserved for `up`). */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Resolve when `predicate(requests)` holds; reject after `timeoutMs`. */
  waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  opts: { port?: number; responder?: Responder; /** Serve HTTPS with this key and certificate (PEM). */ tls?: { key: string; cert: string } } = {},
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const pending: ReceiverResponse[] = [];
  const waiters = new Set<() => void>();
  let responder: Responder = opts.responder ?? (() => ({ status: 200, body: 'ok' }));
  let server: http.Server | https.Server | null = null;
  let port = opts.port ?? 0;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = requests.push(received) - 1;
      for (const w of [...waiters]) w();
      const answer = pending.shift() ?? responder(received, index);
      if (answer.hang) return;
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...(answer.headers ?? {}) });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handle) : http.createServer(handle);
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) {
        resolve();
        return;
      }
      for (const sock of sockets) sock.destroy();
      s.close(() => {
        resolve();
      });
    });

  await listen();

  return {
    get url() {
      return `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    requests,
    respondWith(response) {
      responder = () => response;
    },
    queue(...responses) {
      pending.push(...responses);
    },
    setResponder(r) {
      responder = r;
    },
    down: stop,
    up: listen,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(requests)) {
            cleanup();
            resolve(requests);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${requests.length} requests received)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: stop,
  };
}
