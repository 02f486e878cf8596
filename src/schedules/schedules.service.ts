import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BackupsRepository } from '../backups/backups.repository.js';
import { AppConfig } from '../core/config/app-config.js';
import { isValidId } from '../core/http/id-param.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { DrillProbe } from '../drills/drill-probe.js';
import { SandboxEngineMismatchError } from '../drills/drills.errors.js';
import { DrillsRepository } from '../drills/drills.repository.js';
import { probeOf } from '../drills/dto/create-drill.dto.js';
import { SandboxesService } from '../drills/sandboxes.service.js';
import { engineFamily } from '../restores/restore-engine-family.js';
import type { CreateDrillScheduleDto } from './dto/create-drill-schedule.dto.js';
import type { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { DrillScheduleResponseDto } from './dto/drill-schedule-response.dto.js';
import { ScheduleResponseDto } from './dto/schedule-response.dto.js';
import type { UpdateDrillScheduleDto } from './dto/update-drill-schedule.dto.js';
import type { UpdateScheduleDto } from './dto/update-schedule.dto.js';
import { scheduleState } from './missed-schedule.js';
import { ScheduleSchedulers } from './schedule-schedulers.js';
import { ScheduleEntity, type ScheduleKind } from './schedule.entity.js';
import { ScheduleNotFoundError } from './schedules.errors.js';

/** What each tick of a drill schedule uses besides its cron. */
type DrillSettings = Pick<ScheduleEntity, 'drillSandboxId' | 'drillProbe'>;

const NO_DRILL_SETTINGS: DrillSettings = { drillSandboxId: null, drillProbe: null };

/**
 * Schedules of a database (the rows are the record). Each change is applied to the BullMQ job scheduler at once;
 * if Redis is unreachable the workers' reconciler applies it within SCHEDULE_RECONCILE_INTERVAL_SECONDS.
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
    private readonly databases: DatabasesService,
    private readonly backups: BackupsRepository,
    private readonly drills: DrillsRepository,
    private readonly sandboxes: SandboxesService,
    private readonly schedulers: ScheduleSchedulers,
    private readonly config: AppConfig,
  ) {}

  async create(databaseId: string, dto: CreateScheduleDto, kind: ScheduleKind = 'backup', drill = NO_DRILL_SETTINGS): Promise<ScheduleEntity> {
    await this.requireDatabase(databaseId);
    const schedule = await this.schedules.save(
      this.schedules.create({ databaseId, kind, cron: dto.cron.trim(), timezone: dto.timezone ?? 'UTC', enabled: dto.enabled ?? true, ...drill }),
    );
    await this.applyToQueue(schedule);
    return schedule;
  }

  async list(databaseId: string, kind: ScheduleKind = 'backup'): Promise<ScheduleEntity[]> {
    await this.requireDatabase(databaseId);
    return this.schedules.find({ where: { databaseId, kind }, order: { id: 'ASC' } });
  }

  async get(databaseId: string, scheduleId: string, kind: ScheduleKind = 'backup'): Promise<ScheduleEntity> {
    await this.requireDatabase(databaseId);
    const schedule = isValidId(scheduleId) ? await this.schedules.findOneBy({ id: scheduleId, databaseId, kind }) : null;
    if (!schedule) throw new ScheduleNotFoundError();
    return schedule;
  }

  /** A drill schedule, with the sandbox (checked: it exists and restores the database's engine) and probe of its drills. */
  async createDrillSchedule(databaseId: string, dto: CreateDrillScheduleDto): Promise<ScheduleEntity> {
    return this.create(databaseId, dto, 'drill', await this.drillSettings(databaseId, dto, NO_DRILL_SETTINGS));
  }

  /** Changes a drill schedule; an absent sandboxId or probe stays, a null one is removed. */
  async updateDrillSchedule(databaseId: string, scheduleId: string, dto: UpdateDrillScheduleDto): Promise<ScheduleEntity> {
    const current = await this.get(databaseId, scheduleId, 'drill');
    return this.update(databaseId, scheduleId, dto, 'drill', await this.drillSettings(databaseId, dto, current));
  }

  async update(databaseId: string, scheduleId: string, dto: UpdateScheduleDto, kind: ScheduleKind = 'backup', drill?: DrillSettings): Promise<ScheduleEntity> {
    const schedule = await this.get(databaseId, scheduleId, kind);
    Object.assign(schedule, drill ?? {});
    schedule.cron = dto.cron?.trim() ?? schedule.cron;
    schedule.timezone = dto.timezone ?? schedule.timezone;
    schedule.enabled = dto.enabled ?? schedule.enabled;
    schedule.missedSince = null;
    const saved = await this.schedules.save(schedule);
    await this.applyToQueue(saved);
    return saved;
  }

  async remove(databaseId: string, scheduleId: string, kind: ScheduleKind = 'backup'): Promise<void> {
    const schedule = await this.get(databaseId, scheduleId, kind);
    await this.schedules.delete({ id: schedule.id });
    await this.applyToQueue({ ...schedule, enabled: false });
  }

  /** The schedules as the API shows them, with their missed state as of now. */
  async describe(databaseId: string, schedules: ScheduleEntity[], now = new Date()): Promise<ScheduleResponseDto[]> {
    const lastSuccessAt = await this.lastSuccessfulBackupAt(databaseId);
    return schedules.map((schedule) =>
      ScheduleResponseDto.from(schedule, scheduleState(schedule, lastSuccessAt, now, this.config.scheduleMissedGraceMs), lastSuccessAt),
    );
  }

  /** Drill schedules as the API shows them: missed when no drill succeeded since the latest tick past the grace. */
  async describeDrillSchedules(databaseId: string, schedules: ScheduleEntity[], now = new Date()): Promise<DrillScheduleResponseDto[]> {
    const lastSuccessAt = await this.drills.lastSuccessAt(databaseId);
    return schedules.map((schedule) =>
      DrillScheduleResponseDto.fromDrill(schedule, scheduleState(schedule, lastSuccessAt, now, this.config.scheduleMissedGraceMs), lastSuccessAt),
    );
  }

  /** requested_at of the newest successful backup, or drill for a drill schedule: what clears a miss. */
  lastSuccessAt(databaseId: string, kind: ScheduleKind): Promise<Date | null> {
    return kind === 'drill' ? this.drills.lastSuccessAt(databaseId) : this.lastSuccessfulBackupAt(databaseId);
  }

  async describeOne(schedule: ScheduleEntity): Promise<ScheduleResponseDto> {
    const [described] = await this.describe(schedule.databaseId, [schedule]);
    return described!;
  }

  async describeAll(databaseId: string): Promise<ScheduleResponseDto[]> {
    return this.describe(databaseId, await this.list(databaseId));
  }

  /** requested_at of the database's newest successful backup, scheduled or manual. */
  lastSuccessfulBackupAt(databaseId: string): Promise<Date | null> {
    return this.backups.lastSuccessAt(databaseId);
  }

  private async drillSettings(databaseId: string, dto: UpdateDrillScheduleDto, current: DrillSettings): Promise<DrillSettings> {
    const drillProbe: DrillProbe | null = dto.probe === undefined ? current.drillProbe : probeOf(dto.probe ?? undefined);
    if (dto.sandboxId === undefined) return { drillSandboxId: current.drillSandboxId, drillProbe };
    if (dto.sandboxId === null) return { drillSandboxId: null, drillProbe };
    const database = await this.databases.get(databaseId);
    const sandbox = await this.sandboxes.get(dto.sandboxId);
    if (engineFamily(sandbox.engine) !== engineFamily(database.engine)) throw new SandboxEngineMismatchError(database.engine, sandbox.engine);
    return { drillSandboxId: sandbox.id, drillProbe };
  }

  private async applyToQueue(schedule: Pick<ScheduleEntity, 'id' | 'cron' | 'timezone' | 'enabled'>): Promise<void> {
    await this.schedulers.apply(schedule).catch((error: Error) => {
      this.logger.warn(`Schedule ${schedule.id} saved; the workers will apply it to the queue (${error.message})`);
    });
  }

  /** DatabaseNotFoundError unless the database is registered (and not deleted). */
  private async requireDatabase(databaseId: string): Promise<void> {
    await this.databases.get(databaseId);
  }
}
