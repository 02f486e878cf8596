import { Injectable } from '@nestjs/common';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { isUniqueViolation } from '../core/database/postgres-errors.js';
import { isValidId } from '../core/http/id-param.js';
import type { ConnectionTarget } from '../engines/engine.js';
import type { EngineName } from '../engines/engine-name.js';
import { SandboxInUseError, SandboxNameTakenError, SandboxNotFoundError } from './drills.errors.js';
import type { CreateSandboxDto, UpdateSandboxDto } from './dto/create-sandbox.dto.js';
import type { SandboxEntity } from './sandbox.entity.js';
import { SandboxesRepository } from './sandboxes.repository.js';

/** The database each engine's service connects to when it creates and drops databases. */
const DEFAULT_MAINTENANCE_DATABASE: Record<EngineName, string> = { postgres: 'postgres', mysql: 'mysql', mariadb: 'mysql' };

/** Sandboxes: where drills restore. Their passwords are sealed like registered databases' and never returned. */
@Injectable()
export class SandboxesService {
  constructor(
    private readonly sandboxes: SandboxesRepository,
    private readonly cipher: CredentialsCipher,
  ) {}

  create(dto: CreateSandboxDto): Promise<SandboxEntity> {
    const { password, ...fields } = dto;
    const entity = this.sandboxes.create({
      ...fields,
      maintenanceDatabase: dto.maintenanceDatabase ?? DEFAULT_MAINTENANCE_DATABASE[dto.engine],
      passwordEncrypted: this.cipher.encrypt(password),
    });
    return this.saveUniqueName(entity);
  }

  list(): Promise<SandboxEntity[]> {
    return this.sandboxes.list();
  }

  async get(id: string): Promise<SandboxEntity> {
    const entity = isValidId(id) ? await this.sandboxes.findById(id) : null;
    if (!entity) throw new SandboxNotFoundError();
    return entity;
  }

  async update(id: string, dto: UpdateSandboxDto): Promise<SandboxEntity> {
    const entity = await this.get(id);
    const { password, ...fields } = dto;
    Object.assign(entity, fields);
    if (password !== undefined) entity.passwordEncrypted = this.cipher.encrypt(password);
    return this.saveUniqueName(entity);
  }

  /** Refused while a drill on it is queued or running; finished drills keep their history (sandboxId null). */
  async remove(id: string): Promise<void> {
    const entity = await this.get(id);
    if (!(await this.sandboxes.deleteUnlessBusy(entity.id))) throw new SandboxInUseError();
  }

  /** The sandbox's maintenance connection; the decrypted password stays in memory. */
  connectionTarget(entity: SandboxEntity): ConnectionTarget {
    return {
      host: entity.host,
      port: entity.port,
      database: entity.maintenanceDatabase,
      username: entity.username,
      password: this.cipher.decrypt(entity.passwordEncrypted),
    };
  }

  private async saveUniqueName(entity: SandboxEntity): Promise<SandboxEntity> {
    try {
      return await this.sandboxes.save(entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw new SandboxNameTakenError(entity.name);
      throw error;
    }
  }
}
