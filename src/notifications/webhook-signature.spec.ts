import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signatureHeader, verifySignatureHeader } from './webhook-signature.js';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = '{"event":"backup.failed","occurredAt":"2024-09-12T12:30:09.123Z"}';

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 in the Stripe-style header', () => {
    const expected = createHmac('sha256', SECRET).update(`1726144209.${BODY}`).digest('hex');
    expect(signatureHeader(SECRET, BODY, 1726144209)).toBe(`t=1726144209,v1=${expected}`);
  });

  it('verifies its own header within the tolerance', () => {
    const header = signatureHeader(SECRET, BODY, 1_000_000);
    expect(verifySignatureHeader(SECRET, BODY, header, 300, 1_000_299)).toBe(true);
  });

  it('refuses another body, another secret, a stale or future timestamp, and malformed headers', () => {
    const header = signatureHeader(SECRET, BODY, 1_000_000);
    expect(verifySignatureHeader(SECRET, `${BODY} `, header, 300, 1_000_000)).toBe(false);
    expect(verifySignatureHeader('whsec_other_secret_000000', BODY, header, 300, 1_000_000)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, header, 300, 1_000_301)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, header, 300, 999_699)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, undefined)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, 't=abc,v1=00', 300, 1_000_000)).toBe(false);
    expect(verifySignatureHeader(SECRET, BODY, header.replace('t=1000000', 't=1000001'), 300, 1_000_000)).toBe(false);
  });

  it('generates distinct, prefixed secrets of 32 random bytes', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
