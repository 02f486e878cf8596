import type pg from 'pg';
import { CredentialsDecryptionError, decryptSecret, encryptSecret } from './credentials-cipher.js';

/** Every column holding a secret sealed with CREDENTIALS_KEY. A new one must be listed here to be rotated. */
export const SEALED_COLUMNS = [
  { table: 'databases', column: 'password_encrypted' },
  { table: 'storage_targets', column: 'secret_encrypted' },
  { table: 'webhooks', column: 'secret_encrypted' },
  { table: 'sandboxes', column: 'password_encrypted' },
] as const;

export interface RotationCount {
  column: string;
  reEncrypted: number;
  alreadyNew: number;
}

/** A sealed value neither key opens: the whole rotation is rolled back. Names the row, never the value. */
export class UnreadableSecretError extends Error {
  constructor(where: string) {
    super(`${where} cannot be decrypted with CREDENTIALS_KEY nor NEW_CREDENTIALS_KEY: nothing was changed`);
  }
}

/** The value under the new key, or null when it already is (so re-running a rotation is harmless). */
export function resealed(sealed: string, oldKey: Buffer, newKey: Buffer, where: string): string | null {
  try {
    decryptSecret(newKey, sealed);
    return null;
  } catch (error) {
    if (!(error instanceof CredentialsDecryptionError)) throw error;
  }
  try {
    return encryptSecret(newKey, decryptSecret(oldKey, sealed));
  } catch (error) {
    if (error instanceof CredentialsDecryptionError) throw new UnreadableSecretError(where);
    throw error;
  }
}

/** Re-encrypts every sealed secret under `newKey`, in one transaction (all or nothing), rows locked meanwhile. */
export async function rotateCredentials(client: pg.ClientBase, oldKey: Buffer, newKey: Buffer): Promise<RotationCount[]> {
  const counts: RotationCount[] = [];
  await client.query('BEGIN');
  try {
    for (const { table, column } of SEALED_COLUMNS) {
      const count: RotationCount = { column: `${table}.${column}`, reEncrypted: 0, alreadyNew: 0 };
      const { rows } = await client.query<{ id: string; sealed: string }>(
        `SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL ORDER BY id FOR UPDATE`,
      );
      for (const row of rows) {
        const next = resealed(row.sealed, oldKey, newKey, `${table} id ${row.id}`);
        if (next === null) {
          count.alreadyNew += 1;
          continue;
        }
        await client.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [next, row.id]);
        count.reEncrypted += 1;
      }
      counts.push(count);
    }
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
