import { describe, expect, it } from '@jest/globals';
import { webhookHost, webhookUrlProblem } from './webhook-url.js';

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
});

describe('webhookHost', () => {
  it.each([
    ['http://2852039166/', '169.254.169.254'],
    ['http://0xA9FEA9FE/', '169.254.169.254'],
    ['http://169.254.43518/', '169.254.169.254'],
    ['http://[FD00:EC2:0::254]/', 'fd00:ec2::254'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['https://Hooks.Example.com:8443/x', 'hooks.example.com'],
  ])('%s → %s', (url, host) => {
    expect(webhookHost(url)).toBe(host);
  });
});
