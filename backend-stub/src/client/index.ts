/**
 * Typed client for the relay API (`import { createRelayClient } from 'eye-relay/client'`):
 * openapi-fetch over the types openapi-typescript generated from backend-stub/openapi.json
 * (relay-api.ts, `npm run generate:client`). Paths, parameters, bodies and responses are checked
 * at compile time: `client.POST('/v1/sessions', { body: { examId, candidateId } })`.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths, webhooks } from './relay-api.js';

export type { components, paths, webhooks };
export type RelayClient = Client<paths>;

export interface RelayClientOptions {
  /** The relay's base URL, e.g. https://relay.example.edu. */
  baseUrl: string;
  /** A tenant API key or a session / report token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch?: typeof globalThis.fetch;
}

export function createRelayClient({ baseUrl, token, fetch }: RelayClientOptions): RelayClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(fetch ? { fetch } : {}),
  });
}
