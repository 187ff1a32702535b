/**
 * Reviewer passwords: scrypt (memory-hard) with a per-password random salt, compared in constant
 * time. The parameters are stored with each hash (`scrypt$N$r$p$salt$hash`), so raising them later
 * only affects new and changed passwords.
 *
 * N = 2^15, r = 8, p = 1 costs 32 MiB and ~50-100 ms per check on a server core: OWASP's
 * recommended minimum for scrypt, cheap for one sign-in, costly for an attacker's guesses.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Passwords are bounded before hashing (scrypt itself takes any length, our request bodies not). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default ceiling (32 MiB) is exactly that, so allow twice.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** true when `password` matches `stored`; false for any malformed hash (never throws on bad input). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a tampered row from making one check take gigabytes.
  if (![N, r, p].every(Number.isInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const [saltText, wantText] = parts.slice(4);
  if (saltText === undefined || wantText === undefined) return false;
  const salt = Buffer.from(saltText, 'base64');
  const want = Buffer.from(wantText, 'base64');
  if (salt.length < 8 || want.length !== KEY_BYTES) return false;
  const got = await derive(password, salt, { N, r, p });
  return timingSafeEqual(got, want);
}

/** A hash of a random password: unknown accounts are checked against it so that they take as long as known ones. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64'));
  return decoy;
}

/** A generated password for an account created without one (shown once). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
