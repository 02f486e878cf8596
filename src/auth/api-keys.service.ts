import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { isValidId } from '../core/http/id-param.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { displayPrefix, generateApiKey, hashApiKey, sameHash } from './api-key-material.js';
import { ApiKeyNotFoundError } from './auth.errors.js';
import type { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import type { ApiScope } from './scopes.js';

/** The key a request was authenticated with. */
export interface AuthenticatedKey {
  id: string;
  scopes: ApiScope[];
}

/** Arbitrary constant: the advisory lock under which API processes starting together decide on an admin key. */
const ADMIN_SEED_LOCK_KEY = 7_462_190_332;

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * The active key matching `key`, or null. One indexed lookup per request, so a revocation takes effect at once
   * on every API replica; the stored hash is compared again in constant time.
   */
  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    const hash = hashApiKey(key);
    const rows: Array<{ id: string; scopes: ApiScope[]; key_hash: Buffer }> = await this.dataSource.query(
      'SELECT id, scopes, key_hash FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    if (!row || !sameHash(row.key_hash, hash)) return null;
    return { id: String(row.id), scopes: row.scopes };
  }

  /** Creates a key; the returned `key` is the only copy there will ever be. */
  async create(dto: CreateApiKeyDto): Promise<{ entity: ApiKeyEntity; key: string }> {
    const key = generateApiKey();
    const entity = await this.keys.save(
      this.keys.create({ name: dto.name, scopes: dto.scopes, prefix: displayPrefix(key), keyHash: hashApiKey(key) }),
    );
    return { entity, key };
  }

  /** Active keys, oldest first. */
  list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { revokedAt: IsNull() }, order: { id: 'ASC' } });
  }

  async revoke(id: string): Promise<void> {
    const revoked = isValidId(id) ? await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' }) : null;
    if (!revoked?.affected) throw new ApiKeyNotFoundError();
  }

  /**
   * Makes ADMIN_API_KEY an active admin key (re-activating it if it was revoked: the environment is the
   * operator's word). Safe when several API processes start at once (ON CONFLICT on the hash).
   */
  async seedAdminKey(key: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ('ADMIN_API_KEY', $1, $2, ARRAY['admin'])
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, scopes = ARRAY['admin']`,
      [displayPrefix(key), hashApiKey(key)],
    );
  }

  /**
   * When no active admin key exists, creates one and returns it (to be shown once); otherwise null.
   * Under an advisory lock so two processes starting together do not both create one.
   */
  async generateAdminKeyIfNone(): Promise<string | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_SEED_LOCK_KEY]);
      const [existing] = await manager.query(`SELECT 1 FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL LIMIT 1`);
      if (existing) return null;
      const key = generateApiKey();
      await manager.query(
        `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ('generated admin key', $1, $2, ARRAY['admin'])`,
        [displayPrefix(key), hashApiKey(key)],
      );
      return key;
    });
  }
}
