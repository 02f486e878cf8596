/**
 * Re-encrypts every stored credential (target database passwords, storage target secrets) under a new key:
 *
 *   CREDENTIALS_KEY=<current> NEW_CREDENTIALS_KEY=<new> npm run credentials:rotate
 *
 * Keys come from the environment only, never the command line. One transaction: either every secret is under
 * the new key or nothing changed. Values already under the new key are skipped, so re-running it is harmless.
 * Without CREDENTIALS_KEY (outside production) the current key is the development key.
 */
import pg from 'pg';
import { loadEnvironment } from '../core/config/load-environment.js';
import { DEVELOPMENT_KEY, parseCredentialsKey } from '../core/crypto/credentials-cipher.js';
import { rotateCredentials } from '../core/crypto/credentials-rotation.js';

const KEY_FORMAT = /^[A-Za-z0-9+/]{43}=$/;

function newKeyFromEnvironment(): Buffer {
  const text = process.env.NEW_CREDENTIALS_KEY?.trim();
  if (!text || !KEY_FORMAT.test(text)) {
    throw new Error('NEW_CREDENTIALS_KEY must be set to 32 bytes encoded in base64 (openssl rand -base64 32)');
  }
  return parseCredentialsKey(text);
}

async function main(): Promise<void> {
  const env = loadEnvironment();
  const oldKey = env.CREDENTIALS_KEY ? parseCredentialsKey(env.CREDENTIALS_KEY) : DEVELOPMENT_KEY;
  const newKey = newKeyFromEnvironment();
  if (oldKey.equals(newKey)) throw new Error('NEW_CREDENTIALS_KEY is the same as CREDENTIALS_KEY');
  const client = new pg.Client({ connectionString: env.DATABASE_URL, application_name: 'db-backup-service-rotate' });
  await client.connect();
  try {
    for (const count of await rotateCredentials(client, oldKey, newKey)) {
      // Only the kinds of secret this installation holds (no sandbox registered: no sandboxes line).
      if (count.reEncrypted + count.alreadyNew === 0) continue;
      process.stdout.write(`${count.column}: ${count.reEncrypted} re-encrypted, ${count.alreadyNew} already under the new key\n`);
    }
    process.stdout.write('Done. Restart the API and every worker with CREDENTIALS_KEY set to the new key.\n');
  } finally {
    await client.end();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`Credentials rotation failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
