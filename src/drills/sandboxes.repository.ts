import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { EngineName } from '../engines/engine-name.js';
import { SandboxEntity } from './sandbox.entity.js';

/** The SQL of the `sandboxes` table. */
@Injectable()
export class SandboxesRepository {
  constructor(@InjectRepository(SandboxEntity) private readonly sandboxes: Repository<SandboxEntity>) {}

  list(): Promise<SandboxEntity[]> {
    return this.sandboxes.find({ order: { id: 'ASC' } });
  }

  findById(id: string): Promise<SandboxEntity | null> {
    return this.sandboxes.findOneBy({ id });
  }

  /** The first sandbox (lowest id) of one of `engines`, or null. */
  firstOf(engines: EngineName[]): Promise<SandboxEntity | null> {
    return this.sandboxes.findOne({ where: { engine: In(engines) }, order: { id: 'ASC' } });
  }

  /** Inserts or updates; a unique violation (the name is taken) is the caller's. */
  save(entity: SandboxEntity): Promise<SandboxEntity> {
    return this.sandboxes.save(entity);
  }

  create(values: Partial<SandboxEntity>): SandboxEntity {
    return this.sandboxes.create(values);
  }

  /** Deletes the sandbox unless a drill on it is queued or running; says whether it did. */
  deleteUnlessBusy(id: string): Promise<boolean> {
    return this.sandboxes.manager.transaction(async (tx) => {
      await tx.query('SELECT id FROM sandboxes WHERE id = $1 FOR UPDATE', [id]);
      const [busy] = await tx.query("SELECT 1 FROM drills WHERE sandbox_id = $1 AND status IN ('queued', 'running') LIMIT 1", [id]);
      if (busy) return false;
      await tx.query('DELETE FROM sandboxes WHERE id = $1', [id]);
      return true;
    });
  }
}
