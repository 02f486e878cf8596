import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { isValidId } from '../core/http/id-param.js';
import type { CreateStorageTargetDto } from './dto/create-storage-target.dto.js';
import { TargetHostPolicy } from '../core/net/target-host-policy.js';
import { endpointHost, StorageRegistry } from './storage-registry.js';
import { StorageTargetEntity } from './storage-target.entity.js';
import { StorageTargetsRepository } from './storage-targets.repository.js';
import {
  StorageTargetInUseError,
  StorageTargetNameTakenError,
  StorageTargetNotFoundError,
  StorageTargetUnusableError,
} from './storage-targets.errors.js';

@Injectable()
export class StorageTargetsService {
  constructor(
    @InjectRepository(StorageTargetEntity) private readonly targets: Repository<StorageTargetEntity>,
    private readonly records: StorageTargetsRepository,
    private readonly cipher: CredentialsCipher,
    private readonly registry: StorageRegistry,
    private readonly hostPolicy: TargetHostPolicy,
  ) {}

  async create(dto: CreateStorageTargetDto): Promise<StorageTargetEntity> {
    const { secretAccessKey, ...fields } = dto;
    if (dto.endpoint) await this.hostPolicy.assertRegistrable(endpointHost(dto.endpoint));
    const entity = this.targets.create({
      ...fields,
      region: dto.region ?? 'us-east-1',
      endpoint: dto.endpoint ?? null,
      forcePathStyle: dto.forcePathStyle ?? false,
      prefix: dto.prefix ?? '',
      secretEncrypted: this.cipher.encrypt(secretAccessKey),
    });
    try {
      return await this.targets.save(entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageTargetNameTakenError(dto.name);
      throw error;
    }
  }

  list(): Promise<StorageTargetEntity[]> {
    return this.targets.find({ order: { id: 'ASC' } });
  }

  async get(id: string): Promise<StorageTargetEntity> {
    const entity = isValidId(id) ? await this.targets.findOneBy({ id }) : null;
    if (!entity) throw new StorageTargetNotFoundError();
    return entity;
  }

  /** Writes and deletes a probe object with the stored credentials. */
  async test(id: string): Promise<{ ok: true }> {
    const target = await this.get(id);
    await this.registry.assertEndpointAllowed(target);
    const storage = this.registry.forEntity(target);
    try {
      await storage.checkWritable();
    } catch (error) {
      throw new StorageTargetUnusableError((error as Error).message);
    }
    return { ok: true };
  }

  /** Refused while a database stores its backups there or backups are kept there. */
  async remove(id: string): Promise<void> {
    const entity = await this.get(id);
    if (!(await this.records.softDeleteUnlessUsed(entity.id))) throw new StorageTargetInUseError();
  }
}
