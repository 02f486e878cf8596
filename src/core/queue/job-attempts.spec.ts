import { describe, expect, it } from '@jest/globals';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { jobOutcome, retriesLeft } from './job-attempts.js';

describe('job attempts', () => {
  it('has retries left until the last allowed attempt runs', () => {
    expect(retriesLeft({ attemptsMade: 0, opts: { attempts: 3 } })).toBe(true);
    expect(retriesLeft({ attemptsMade: 1, opts: { attempts: 3 } })).toBe(true);
    expect(retriesLeft({ attemptsMade: 2, opts: { attempts: 3 } })).toBe(false);
    expect(retriesLeft({ attemptsMade: 0, opts: {} })).toBe(false);
  });

  it('names the outcome BullMQ gives what the processor threw', () => {
    const first = { attemptsMade: 0, opts: { attempts: 3 } };
    expect(jobOutcome(new DelayedError(), first)).toBe('interrupted');
    expect(jobOutcome(new UnrecoverableError('no'), first)).toBe('failed');
    expect(jobOutcome(new Error('later'), first)).toBe('retried');
    expect(jobOutcome(new Error('last'), { attemptsMade: 2, opts: { attempts: 3 } })).toBe('failed');
  });
});
