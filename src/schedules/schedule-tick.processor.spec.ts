import { jest } from '@jest/globals';
import type { AppConfig } from '../core/config/app-config.js';
import type { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import {
  DrillInProgressError,
  NoBackupToDrillError,
  NoSandboxError,
  SandboxEngineMismatchError,
  SandboxNotFoundError,
  TickAlreadyDrilledError,
} from '../drills/drills.errors.js';
import { ScheduleTickProcessor, tickTimeOf } from './schedule-tick.processor.js';

describe('tickTimeOf', () => {
  it('reads the tick from the id BullMQ gives a job scheduler job', () => {
    const job = { id: 'repeat:schedule-7:1726144200000', timestamp: 1726144140123, delay: 59_877 };
    expect(tickTimeOf(job).toISOString()).toBe('2024-09-12T12:30:00.000Z');
  });

  it('falls back to when the job was due', () => {
    expect(tickTimeOf({ id: 'other', timestamp: 1726144140000, delay: 60_000 }).toISOString()).toBe('2024-09-12T12:30:00.000Z');
  });
});

describe('ScheduleTickProcessor, drill schedules', () => {
  const scheduledFor = new Date('2024-09-12T12:30:00Z');
  const drillSchedule = { id: '8', databaseId: '3', kind: 'drill', enabled: true, drillSandboxId: null, drillProbe: null };
  const probe = { sql: 'select count(*) from orders', expect: { op: '>', value: 0 } };

  function processorWith(request: jest.Mock, schedule: object = drillSchedule) {
    const schedules = { findOneBy: jest.fn(async () => schedule) };
    const backups = { request: jest.fn() };
    const processor = new ScheduleTickProcessor(schedules as any, backups as any, { request } as any, {} as AppConfig, {} as WorkerMetrics);
    return { processor, backups };
  }

  it('requests one drill for the tick, with trigger "schedule" and the tick time, and no backup', async () => {
    const request = jest.fn(async () => ({ id: '50' }));
    const { processor, backups } = processorWith(request);
    await processor.tick('8', scheduledFor);
    expect(request).toHaveBeenCalledWith('3', { trigger: 'schedule', sandboxId: undefined, probe: null, scheduleId: '8', scheduledFor });
    expect(backups.request).not.toHaveBeenCalled();
  });

  it("passes the schedule's sandbox and probe to each drill", async () => {
    const request = jest.fn(async () => ({ id: '51' }));
    const { processor } = processorWith(request, { ...drillSchedule, drillSandboxId: '4', drillProbe: probe });
    await processor.tick('8', scheduledFor);
    expect(request).toHaveBeenCalledWith('3', { trigger: 'schedule', sandboxId: '4', probe, scheduleId: '8', scheduledFor });
  });

  it('takes a redelivered tick, or one that cannot drill now, as done', async () => {
    const cannotDrill = [new NoSandboxError('postgres'), new SandboxNotFoundError(), new SandboxEngineMismatchError('postgres', 'mariadb')];
    for (const error of [new TickAlreadyDrilledError(), new DrillInProgressError(), new NoBackupToDrillError(), ...cannotDrill]) {
      const { processor } = processorWith(jest.fn(async () => Promise.reject(error)));
      await expect(processor.tick('8', scheduledFor)).resolves.toBeUndefined();
    }
  });

  it('lets any other error fail the tick job', async () => {
    const { processor } = processorWith(jest.fn(async () => Promise.reject(new Error('PostgreSQL is down'))));
    await expect(processor.tick('8', scheduledFor)).rejects.toThrow('PostgreSQL is down');
  });
});
