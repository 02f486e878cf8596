import { describe, expect, it } from '@jest/globals';
import { assertDeliverable, webhookUrlProblem } from './webhook-url.js';

describe('webhookUrlProblem', () => {
  it('accepts http and https URLs', () => {
    expect(webhookUrlProblem('https://hooks.example.com/backups?x=1')).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook')).toBeNull();
  });

  it('refuses other schemes, relative URLs and credentials', () => {
    expect(webhookUrlProblem('ftp://example.com/')).toBe('url must be an absolute http or https URL');
    expect(webhookUrlProblem('file:///etc/passwd')).toBe('url must be an absolute http or https URL');
    expect(webhookUrlProblem('/hook')).toBe('url must be an absolute http or https URL');
    expect(webhookUrlProblem('https://user:pw@example.com/')).toBe('url must not contain credentials');
  });

  it('refuses cloud metadata addresses in every spelling the URL parser normalises', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://2852039166/',
      'http://0xA9FEA9FE/',
      'http://169.254.43518/',
      'http://[fd00:ec2::254]/',
      'http://[FD00:EC2:0::254]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      expect([url, webhookUrlProblem(url)]).toEqual([url, 'url must not point at a cloud metadata address']);
    }
  });
});

describe('assertDeliverable', () => {
  it('passes a literal loopback address without a lookup and refuses a metadata one', async () => {
    await expect(assertDeliverable('http://127.0.0.1:1/')).resolves.toBeUndefined();
    await expect(assertDeliverable('http://169.254.169.254/')).rejects.toThrow('cloud metadata address');
  });
});
