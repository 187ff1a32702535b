import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3StoreOptions } from '../media/s3-store.js';
import { sigV4Problem } from './sigv4-check.js';

/** The access key s3rver knows (its built-in account). */
const S3RVER_KEY = 'S3RVER';

/**
 * A real S3-compatible server on 127.0.0.1 with one bucket, for the S3 media store's tests: s3rver
 * (the S3 REST API and its XML answers, objects on disk) behind a Signature V4 check (s3rver itself
 * accepts any V4 signature). `stop()` / `start()` make an outage on the same port with the same
 * objects; `close()` removes everything.
 */
export interface TestS3Server {
  /** Media store settings for a relay using this server (path style, its key, prefix `media/`). */
  options: S3StoreOptions;
  /** Requests refused for their signature (each with the reason). */
  refused: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestS3Server(bucket = 'eye-media'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'eye-s3-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket }], vhostBuckets: false });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const refused: string[] = [];
  let port = 0;
  let server: Server | null = null;

  const start = async () => {
    const s = createServer((req, res) => {
      const problem = sigV4Problem({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, S3RVER_KEY);
      if (!problem) {
        handle(req, res);
        return;
      }
      refused.push(problem);
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>signature check failed</Message></Error>');
    });
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', resolve));
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const running = server;
    server = null;
    if (!running) return;
    running.closeAllConnections(); // keep-alive sockets would hold close() open
    await new Promise((resolve) => running.close(resolve));
  };
  await start();
  return {
    options: {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      pathStyle: true,
      prefix: 'media/',
      timeoutMs: 5_000,
    },
    refused,
    stop,
    start,
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
