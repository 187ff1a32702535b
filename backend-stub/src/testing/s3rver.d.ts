/** The part of s3rver (an S3-compatible server for tests, no typings of its own) the tests use. */
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string }[];
    /** Virtual-hosted bucket names (bucket.host): off, the relay's tests use path style. */
    vhostBuckets?: boolean;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the configured buckets (what run() does before it listens). */
    configureBuckets(): Promise<void>;
    /** The request handler (Koa's), for a server of one's own. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
