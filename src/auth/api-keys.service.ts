import { Injectable } from '@nestjs/common';
import { isValidId } from '../core/http/id-param.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { displayPrefix, generateApiKey, hashApiKey, sameHash } from './api-key-material.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyNotFoundError } from './auth.errors.js';
import type { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import type { ApiScope } from './scopes.js';

/** The key a request was authenticated with. */
export interface AuthenticatedKey {
  id: string;
  scopes: ApiScope[];
}

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  /**
   * The active key matching `key`, or null. One indexed lookup per request, so a revocation takes effect at once
   * on every API replica; the stored hash is compared again in constant time.
   */
  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    const hash = hashApiKey(key);
    const row = await this.keys.findActiveByHash(hash);
    if (!row || !sameHash(row.key_hash, hash)) return null;
    return { id: String(row.id), scopes: row.scopes };
  }

  /** Creates a key; the returned `key` is the only copy there will ever be. */
  async create(dto: CreateApiKeyDto): Promise<{ entity: ApiKeyEntity; key: string }> {
    const key = generateApiKey();
    const entity = await this.keys.insert({ name: dto.name, scopes: dto.scopes, prefix: displayPrefix(key), keyHash: hashApiKey(key) });
    return { entity, key };
  }

  /** The active key a request was authenticated with (ApiKeyNotFoundError if it was revoked meanwhile). */
  async current(key: AuthenticatedKey): Promise<ApiKeyEntity> {
    const entity = await this.keys.findActiveById(key.id);
    if (!entity) throw new ApiKeyNotFoundError();
    return entity;
  }

  /** Active keys, oldest first. */
  list(): Promise<ApiKeyEntity[]> {
    return this.keys.listActive();
  }

  async revoke(id: string): Promise<void> {
    const revoked = isValidId(id) && (await this.keys.revoke(id));
    if (!revoked) throw new ApiKeyNotFoundError();
  }

  /**
   * Makes ADMIN_API_KEY an active admin key (re-activating it if it was revoked: the environment is the
   * operator's word). Safe when several API processes start at once (ON CONFLICT on the hash).
   */
  async seedAdminKey(key: string): Promise<void> {
    await this.keys.upsertAdmin('ADMIN_API_KEY', displayPrefix(key), hashApiKey(key));
  }

  /**
   * When no active admin key exists, creates one and returns it (to be shown once); otherwise null.
   * Under an advisory lock so two processes starting together do not both create one.
   */
  async generateAdminKeyIfNone(): Promise<string | null> {
    return this.keys.whileSeedingAdmin(async (tx) => {
      if (await this.keys.hasActiveAdmin(tx)) return null;
      const key = generateApiKey();
      await this.keys.insertAdmin('generated admin key', displayPrefix(key), hashApiKey(key), tx);
      return key;
    });
  }
}
