import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { Tx } from '../core/database/transactions.js';
import { ApiKeyEntity } from './api-key.entity.js';
import type { ApiScope } from './scopes.js';

/** Arbitrary constant: the advisory lock under which API processes starting together decide on an admin key. */
const ADMIN_SEED_LOCK_KEY = 7_462_190_332;

/** An active key found by its hash. */
export interface ActiveKeyRow {
  id: string;
  scopes: ApiScope[];
  key_hash: Buffer;
}

/** The SQL of the `api_keys` table. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async findActiveByHash(hash: Buffer): Promise<ActiveKeyRow | null> {
    const rows: ActiveKeyRow[] = await this.keys.query(
      'SELECT id, scopes, key_hash FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    return rows[0] ?? null;
  }

  findActiveById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id, revokedAt: IsNull() });
  }

  insert(values: Pick<ApiKeyEntity, 'name' | 'scopes' | 'prefix' | 'keyHash'>): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(values));
  }

  /** Active keys, oldest first. */
  listActive(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { revokedAt: IsNull() }, order: { id: 'ASC' } });
  }

  /** Says whether an active key was revoked. */
  async revoke(id: string): Promise<boolean> {
    const revoked = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (revoked.affected ?? 0) > 0;
  }

  /** An active admin key with this hash: inserted, or re-activated (ON CONFLICT on the hash). */
  async upsertAdmin(name: string, prefix: string, hash: Buffer, tx?: Tx): Promise<void> {
    await (tx ?? this.keys.manager).query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, ARRAY['admin'])
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, scopes = ARRAY['admin']`,
      [name, prefix, hash],
    );
  }

  async insertAdmin(name: string, prefix: string, hash: Buffer, tx?: Tx): Promise<void> {
    await (tx ?? this.keys.manager).query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, ARRAY['admin'])`,
      [name, prefix, hash],
    );
  }

  async hasActiveAdmin(tx?: Tx): Promise<boolean> {
    const [existing] = await (tx ?? this.keys.manager).query(`SELECT 1 FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL LIMIT 1`);
    return existing !== undefined;
  }

  /** Runs `work` in a transaction holding the admin-seeding advisory lock: API processes starting together take turns. */
  whileSeedingAdmin<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.keys.manager.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_SEED_LOCK_KEY]);
      return work(tx);
    });
  }
}
