import { describe, expect, it } from '@jest/globals';
import { readyMessage } from './ready-message.js';

describe('readyMessage', () => {
  it('names the API and its Swagger UI', () => {
    expect(readyMessage('127.0.0.1', 3000)).toBe('API ready: http://127.0.0.1:3000 (Swagger UI: http://127.0.0.1:3000/docs)');
  });

  it('shows a wildcard address as localhost', () => {
    expect(readyMessage('0.0.0.0', 8080)).toBe('API ready: http://localhost:8080 (Swagger UI: http://localhost:8080/docs)');
    expect(readyMessage('::', 8080)).toBe('API ready: http://localhost:8080 (Swagger UI: http://localhost:8080/docs)');
  });

  it('puts an IPv6 address in brackets', () => {
    expect(readyMessage('::1', 3000)).toBe('API ready: http://[::1]:3000 (Swagger UI: http://[::1]:3000/docs)');
  });

  it('keeps a host name as it is', () => {
    expect(readyMessage('backups.internal', 3000)).toBe('API ready: http://backups.internal:3000 (Swagger UI: http://backups.internal:3000/docs)');
  });
});
