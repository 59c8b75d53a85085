import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PENDING_LOGIN_MAX_AGE_MS, pendingLoginSeal } from '../../src/web/auth/pending-login';

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters';
const PENDING = {
  state: 'a'.repeat(64),
  nonce: 'b'.repeat(64),
  codeVerifier: 'the-pkce-verifier-the-browser-must-never-read',
  returnTo: '/demo/assenze?mese=2026-12',
};
const NOW = Date.parse('2026-12-07T10:00:00Z');

describe('a log-in in flight, sealed in a cookie (decision 0038)', () => {
  const seal = pendingLoginSeal(SECRET);

  it('opens what it sealed, within the time limit', () => {
    assert.deepEqual(seal.open(seal.seal(PENDING, NOW), NOW), PENDING);
    assert.deepEqual(seal.open(seal.seal(PENDING, NOW), NOW + PENDING_LOGIN_MAX_AGE_MS), PENDING);
  });

  it('shows the browser nothing of what it carries, and never the same value twice', () => {
    const first = seal.seal(PENDING, NOW);
    const second = seal.seal(PENDING, NOW);
    assert.notEqual(first, second, 'a fresh IV each time');
    for (const value of [first, Buffer.from(first, 'base64url').toString('latin1')]) {
      assert.ok(!value.includes('pkce'), 'the verifier is not readable');
      assert.ok(!value.includes('aaaa'), 'the state is not readable');
      assert.ok(!value.includes('assenze'), 'the return path is not readable');
    }
    assert.match(first, /^[A-Za-z0-9_-]+$/, 'a cookie value with nothing to quote');
  });

  it('refuses a cookie older than the limit, or sealed in the future beyond a clock’s drift', () => {
    assert.equal(seal.open(seal.seal(PENDING, NOW), NOW + PENDING_LOGIN_MAX_AGE_MS + 1), undefined);
    assert.deepEqual(seal.open(seal.seal(PENDING, NOW + 30_000), NOW), PENDING, 'half a minute ahead: another process’s clock');
    assert.equal(seal.open(seal.seal(PENDING, NOW + 61_000), NOW), undefined);
  });

  it('refuses any change to any byte, and a cookie sealed with another secret', () => {
    const bytes = Buffer.from(seal.seal(PENDING, NOW), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i]! ^= 0x01;
      assert.equal(seal.open(changed.toString('base64url'), NOW), undefined, `byte ${i}`);
    }
    assert.equal(seal.open(bytes.subarray(0, bytes.length - 1).toString('base64url'), NOW), undefined, 'cut short');
    const other = pendingLoginSeal('another-secret-of-at-least-thirty-two-characters');
    assert.equal(other.open(seal.seal(PENDING, NOW), NOW), undefined);
  });

  it('refuses what is not a sealed log-in without trying to decode it', () => {
    for (const value of [undefined, '', 'abc', '%%%', 'a.b', 'x'.repeat(2_001), '\u0000'.repeat(40), 'A'.repeat(60)]) {
      assert.equal(seal.open(value, NOW), undefined, JSON.stringify(value)?.slice(0, 20));
    }
  });
});
