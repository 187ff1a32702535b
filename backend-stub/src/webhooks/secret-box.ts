/**
 * Endpoint secrets must be available in clear to sign, so they are stored encrypted at rest:
 * AES-256-GCM under a key derived (HKDF-SHA256) from the relay secret. A database dump alone does
 * not reveal them. Format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'eye-relay webhook endpoint secrets v1';

export class SecretBox {
  private readonly key: Buffer;

  constructor(relaySecret: string | Buffer) {
    const ikm = typeof relaySecret === 'string' ? Buffer.from(relaySecret, 'utf8') : relaySecret;
    if (ikm.length < 16) throw new Error('SecretBox: relay secret too short');
    this.key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), INFO, 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('SecretBox: unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}
