import { describe, expect, it } from '@jest/globals';
import { eventPayload } from './notifications.service.js';

describe('eventPayload', () => {
  it('puts the event, its time and the database first, then the event data', () => {
    const payload = eventPayload(
      'backup.failed',
      { database: { id: '3', name: 'shop' }, backup: { backupId: '7', status: 'failed' }, error: 'database "nope" does not exist' },
      new Date('2024-09-12T12:30:09.123Z'),
    );
    expect(JSON.stringify(payload)).toBe(
      '{"event":"backup.failed","occurredAt":"2024-09-12T12:30:09.123Z","database":{"id":"3","name":"shop"},' +
        '"backup":{"backupId":"7","status":"failed"},"error":"database \\"nope\\" does not exist"}',
    );
  });

  it('types schedule.missed like every other event', () => {
    const payload = eventPayload('schedule.missed', { database: { id: '1', name: 'a' }, schedule: { scheduleId: '2' } }, new Date(0));
    expect(payload).toEqual({ event: 'schedule.missed', occurredAt: '1970-01-01T00:00:00.000Z', database: { id: '1', name: 'a' }, schedule: { scheduleId: '2' } });
  });
});
