import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BackupsRepository } from '../backups/backups.repository.js';
import { AppConfig } from '../core/config/app-config.js';
import { isValidId } from '../core/http/id-param.js';
import { DatabasesService } from '../databases/databases.service.js';
import { DrillsRepository } from '../drills/drills.repository.js';
import type { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { DrillScheduleResponseDto } from './dto/drill-schedule-response.dto.js';
import { ScheduleResponseDto } from './dto/schedule-response.dto.js';
import type { UpdateScheduleDto } from './dto/update-schedule.dto.js';
import { scheduleState } from './missed-schedule.js';
import { ScheduleSchedulers } from './schedule-schedulers.js';
import { ScheduleEntity, type ScheduleKind } from './schedule.entity.js';
import { ScheduleNotFoundError } from './schedules.errors.js';

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
    private readonly schedulers: ScheduleSchedulers,
    private readonly config: AppConfig,
  ) {}

  async create(databaseId: string, dto: CreateScheduleDto, kind: ScheduleKind = 'backup'): Promise<ScheduleEntity> {
    await this.requireDatabase(databaseId);
    const schedule = await this.schedules.save(
      this.schedules.create({ databaseId, kind, cron: dto.cron.trim(), timezone: dto.timezone ?? 'UTC', enabled: dto.enabled ?? true }),
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

  async update(databaseId: string, scheduleId: string, dto: UpdateScheduleDto, kind: ScheduleKind = 'backup'): Promise<ScheduleEntity> {
    const schedule = await this.get(databaseId, scheduleId, kind);
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
