import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BackupEncryption } from '../core/crypto/backup-encryption.js';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { StorageTargetsService } from '../storage/storage-targets.service.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { isValidId } from '../core/http/id-param.js';
import type { ConnectionTarget } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { TargetDatabaseError } from '../engines/engine.js';
import { canonicalAddress } from '../core/net/canonical-address.js';
import { TargetHostNotAllowedError, TargetHostPolicy, TargetHostUnresolvedError } from '../core/net/target-host-policy.js';
import { DatabaseEntity } from './database.entity.js';
import { DatabasesRepository } from './databases.repository.js';
import {
  ConnectionTestFailedError,
  DatabaseBusyError,
  DatabaseNameTakenError,
  DatabaseNotFoundError,
  DatabaseRestoreRunningError,
  EngineChangeRefusedError,
} from './databases.errors.js';
import type { CreateDatabaseDto } from './dto/create-database.dto.js';
import type { ConnectionTestResponseDto } from './dto/database-response.dto.js';
import type { UpdateDatabaseDto } from './dto/update-database.dto.js';

@Injectable()
export class DatabasesService {
  constructor(
    @InjectRepository(DatabaseEntity) private readonly databases: Repository<DatabaseEntity>,
    private readonly registrations: DatabasesRepository,
    private readonly cipher: CredentialsCipher,
    private readonly engines: EngineRegistry,
    private readonly encryption: BackupEncryption,
    private readonly storageTargets: StorageTargetsService,
    private readonly hostPolicy: TargetHostPolicy,
  ) {}

  async create(dto: CreateDatabaseDto): Promise<DatabaseEntity> {
    const { password, ...fields } = dto;
    await this.hostPolicy.assertRegistrable(dto.host);
    await this.checkBackupSettings(dto);
    const entity = this.databases.create({ ...fields, passwordEncrypted: this.cipher.encrypt(password) });
    return this.saveUniqueName(entity);
  }

  list(): Promise<DatabaseEntity[]> {
    return this.databases.find({ order: { id: 'ASC' } });
  }

  async get(id: string): Promise<DatabaseEntity> {
    const entity = isValidId(id) ? await this.databases.findOneBy({ id }) : null;
    if (!entity) throw new DatabaseNotFoundError();
    return entity;
  }

  /** Also finds a deleted registration: backups and restores keep referring to it. */
  async getIncludingDeleted(id: string): Promise<DatabaseEntity> {
    const entity = isValidId(id) ? await this.databases.findOne({ where: { id }, withDeleted: true }) : null;
    if (!entity) throw new DatabaseNotFoundError();
    return entity;
  }

  /**
   * Changes the registration. Its engine cannot change once it has backups: they are files of that engine, listed
   * under this registration (each backup also records its engine, and is read back with it).
   */
  async update(id: string, dto: UpdateDatabaseDto): Promise<DatabaseEntity> {
    const entity = await this.get(id);
    const { password, ...fields } = dto;
    if (dto.engine !== undefined && dto.engine !== entity.engine) await this.assertHasNoBackups(entity);
    if (dto.host !== undefined) await this.hostPolicy.assertRegistrable(dto.host);
    await this.checkBackupSettings(dto);
    Object.assign(entity, fields);
    if (password !== undefined) entity.passwordEncrypted = this.cipher.encrypt(password);
    return this.saveUniqueName(entity);
  }

  /**
   * Soft-deletes the registration and erases its credentials. Its backups stay (listed, downloadable, verifiable,
   * restorable into another registration, deletable); refused while one of them is queued or running, or while a
   * restore into it is.
   */
  async remove(id: string): Promise<void> {
    const entity = await this.get(id);
    const refusal = await this.registrations.softDeleteUnlessBusy(entity.id);
    if (refusal === 'backup-unfinished') throw new DatabaseBusyError();
    if (refusal === 'restore-unfinished') throw new DatabaseRestoreRunningError();
  }

  async testConnection(id: string): Promise<ConnectionTestResponseDto> {
    const entity = await this.get(id);
    const started = performance.now();
    try {
      const server = await this.engines.get(entity.engine).serverInfo(await this.connectionTarget(entity));
      return { ok: true, serverVersion: server.version, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (error instanceof TargetDatabaseError) throw new ConnectionTestFailedError(error.message);
      throw error;
    }
  }

  /**
   * Decrypts the stored password (the result must stay in memory) and resolves the host through the target host
   * policy: the tools connect to the checked address, so DNS cannot re-point them afterwards.
   */
  async connectionTarget(entity: DatabaseEntity): Promise<ConnectionTarget> {
    if (entity.passwordEncrypted === null) throw new DatabaseNotFoundError();
    return {
      host: await this.allowedAddress(entity.host),
      port: entity.port,
      database: entity.database,
      username: entity.username,
      password: this.cipher.decrypt(entity.passwordEncrypted),
    };
  }

  /**
   * Which physical database a registration names: "address:port/database", the address being the one its tools
   * connect to. Two registrations of the same database (a name and its address, say) have the same key. A host
   * that cannot be resolved or is refused keys by its name.
   */
  async physicalKey(entity: Pick<DatabaseEntity, 'host' | 'port' | 'database'>): Promise<string> {
    const address = await this.hostPolicy.allowedAddresses(entity.host).then(
      ([first]) => canonicalAddress(first!),
      () => entity.host.toLowerCase(),
    );
    return `${address}:${entity.port}/${entity.database}`;
  }

  private async assertHasNoBackups(entity: DatabaseEntity): Promise<void> {
    if (await this.registrations.hasBackups(entity.id)) throw new EngineChangeRefusedError(entity.engine);
  }

  private async allowedAddress(host: string): Promise<string> {
    try {
      const [address] = await this.hostPolicy.allowedAddresses(host);
      return address!;
    } catch (error) {
      if (error instanceof TargetHostNotAllowedError) throw new TargetDatabaseError(error.message, false);
      // Like the tools' own "could not translate host name": retried as a transient failure.
      if (error instanceof TargetHostUnresolvedError) throw new TargetDatabaseError(error.message, true);
      throw error;
    }
  }

  /** Encryption needs the key on this process (and every worker); a storage target must exist. */
  private async checkBackupSettings(dto: Pick<UpdateDatabaseDto, 'encrypted' | 'storageTargetId'>): Promise<void> {
    if (dto.encrypted) this.encryption.assertAvailable();
    if (dto.storageTargetId) await this.storageTargets.get(dto.storageTargetId);
  }

  private async saveUniqueName(entity: DatabaseEntity): Promise<DatabaseEntity> {
    try {
      return await this.databases.save(entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DatabaseNameTakenError(entity.name);
      throw error;
    }
  }
}
