import { tickTimeOf } from './schedule-tick.processor.js';

describe('tickTimeOf', () => {
  it('reads the tick from the id BullMQ gives a job scheduler job', () => {
    const job = { id: 'repeat:schedule-7:1726144200000', timestamp: 1726144140123, delay: 59_877 };
    expect(tickTimeOf(job).toISOString()).toBe('2024-09-12T12:30:00.000Z');
  });

  it('falls back to when the job was due', () => {
    expect(tickTimeOf({ id: 'other', timestamp: 1726144140000, delay: 60_000 }).toISOString()).toBe('2024-09-12T12:30:00.000Z');
  });
});
