/** The part of autocannon's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  interface CannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    /** Called before each request is sent; returns the request to send. */
    setupRequest?: (req: CannonRequest, context: Record<string, unknown>) => CannonRequest;
  }
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
    total: number;
  }
  interface CannonResult {
    /** Seconds. */
    duration: number;
    latency: Histogram;
    requests: Histogram & { sent: number };
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  interface CannonOptions {
    url: string;
    connections: number;
    /** Seconds. */
    duration: number;
    timeout?: number;
    requests?: CannonRequest[];
  }
  function autocannon(opts: CannonOptions): Promise<CannonResult> & { stop(): void };
  export default autocannon;
}
