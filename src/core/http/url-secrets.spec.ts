import { maskUrlSecrets, mayReadUrlSecrets } from './url-secrets.js';

describe('maskUrlSecrets', () => {
  it.each([
    ['https://hooks.example.com/backups', 'https://hooks.example.com/backups'],
    ['https://hooks.example.com/b?token=abc&sig=d%20e', 'https://hooks.example.com/b?token=***&sig=***'],
    ['https://hooks.example.com/b?abcdef', 'https://hooks.example.com/b?***'],
    ['https://hooks.example.com/b#secret', 'https://hooks.example.com/b#***'],
    ['http://AKIA:s3cret@minio.internal:9000', 'http://***:***@minio.internal:9000/'],
    ['http://AKIA@minio.internal:9000/?x=1', 'http://***@minio.internal:9000/?x=***'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, expected) => {
    expect(maskUrlSecrets(url)).toBe(expected);
  });
});

describe('mayReadUrlSecrets', () => {
  it('is for admin keys only', () => {
    expect(mayReadUrlSecrets(['admin'])).toBe(true);
    expect(mayReadUrlSecrets(['read', 'backup', 'restore', 'delete'])).toBe(false);
    expect(mayReadUrlSecrets(undefined)).toBe(false);
  });
});
