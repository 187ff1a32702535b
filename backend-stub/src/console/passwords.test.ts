import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './passwords.js';

describe('reviewer passwords (scrypt)', () => {
  it('hashes with a fresh salt each time and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.notEqual(a, b, 'per-password salt');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    // Unicode forms of the same text are the same password (NFKC).
    assert.equal(await verifyPassword('café au lait 12', await hashPassword('cafe\u0301 au lait 12')), true);
  });

  it('refuses malformed or absurdly expensive stored hashes without throwing', async () => {
    const good = await hashPassword('correct horse battery');
    const [, , r, p, salt, key] = good.split('$');
    for (const bad of ['', 'bcrypt$x', `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, `scrypt$1000$${r}$${p}$${salt}$${key}`, `scrypt$32768$${r}$${p}$${salt}$AAAA`, good.replace(/\$[^$]+$/, '$' + 'A'.repeat(44))]) {
      assert.equal(await verifyPassword('correct horse battery', bad), false, bad.slice(0, 40));
    }
  });
});
