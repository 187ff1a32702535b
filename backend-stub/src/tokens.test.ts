/** Session tokens: the verified-token cache must never outlive a token or cross secrets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useClock } from './clock.js';
import { signSessionToken, verifySessionToken } from './tokens.js';

const SECRET = 'a'.repeat(40);
const CLAIMS = { sessionId: 's-1', tenantId: 't-1', examId: 'e-1', candidateId: 'c-1' };

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string; error?: string }).code ?? (err as { error?: string }).error ?? String(err);
  }
  return 'accepted';
}

test('a cached token is refused once it expires', async (t) => {
  // The relay's clock, held still: a real 1 s token could expire between signing and the first check on a loaded machine.
  let time = Date.UTC(2026, 11, 1, 12, 0, 0);
  const previous = useClock({ now: () => time });
  t.after(() => useClock(previous));
  const { token } = await signSessionToken(SECRET, CLAIMS, 60);
  const first = await verifySessionToken(SECRET, token);
  assert.deepEqual({ ...first, exp: 0 }, { ...CLAIMS, exp: 0 });
  time += 59_000;
  assert.deepEqual(await verifySessionToken(SECRET, token), first, 'second check (cached) gives the same claims');
  time += 1_000;
  assert.equal(await refusal(verifySessionToken(SECRET, token)), 'token_expired');
});

test('a token verified under one secret is not accepted under another', async () => {
  const { token } = await signSessionToken(SECRET, CLAIMS, 600);
  await verifySessionToken(SECRET, token);
  assert.equal(await refusal(verifySessionToken('b'.repeat(40), token)), 'invalid_token');
});
