import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { TargetHostPolicy } from '../core/net/target-host-policy.js';
import { LocalStorage } from './local.storage.js';
import { S3Storage } from './s3.storage.js';
import type { BackupStorage } from './storage.js';
import { StorageTargetEntity } from './storage-target.entity.js';

/** Resolves a storage target id (null: the local directory) to a storage client, cached per target version. */
@Injectable()
export class StorageRegistry {
  readonly local: LocalStorage;
  private readonly remote = new Map<string, { version: number; storage: BackupStorage }>();

  constructor(
    config: AppConfig,
    @InjectRepository(StorageTargetEntity) private readonly targets: Repository<StorageTargetEntity>,
    private readonly cipher: CredentialsCipher,
    private readonly hostPolicy: TargetHostPolicy,
  ) {
    this.local = new LocalStorage(config.storageDir);
  }

  async forTarget(targetId: string | null): Promise<BackupStorage> {
    if (targetId === null) return this.local;
    const target = await this.targets.findOne({ where: { id: targetId }, withDeleted: true });
    if (!target) throw new Error(`Storage target ${targetId} does not exist`);
    await this.assertEndpointAllowed(target);
    return this.forEntity(target);
  }

  /** An S3 endpoint's host goes through the target host policy before each use (AWS itself, no endpoint, is not checked). */
  async assertEndpointAllowed(target: Pick<StorageTargetEntity, 'endpoint'>): Promise<void> {
    if (target.endpoint) await this.hostPolicy.allowedAddresses(endpointHost(target.endpoint));
  }

  forEntity(target: StorageTargetEntity): BackupStorage {
    const version = target.updatedAt.getTime();
    const cached = this.remote.get(target.id);
    if (cached?.version === version) return cached.storage;
    const storage = this.create(target);
    cached?.storage.destroy?.();
    this.remote.set(target.id, { version, storage });
    return storage;
  }

  private create(target: StorageTargetEntity): BackupStorage {
    if (!target.secretEncrypted) throw new Error(`Storage target ${target.name} has no credentials`);
    return new S3Storage({
      bucket: target.bucket,
      region: target.region,
      endpoint: target.endpoint ?? undefined,
      forcePathStyle: target.forcePathStyle,
      prefix: target.prefix,
      accessKeyId: target.accessKeyId,
      secretAccessKey: this.cipher.decrypt(target.secretEncrypted),
      lookup: target.endpoint ? this.hostPolicy.agentLookup() : undefined,
    });
  }
}

/** "https://[::1]:9000/x" → "::1". */
export function endpointHost(endpoint: string): string {
  return new URL(endpoint).hostname.replace(/^\[(.*)\]$/, '$1');
}
