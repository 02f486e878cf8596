import { describe, expect, it } from '@jest/globals';
import { createdAndUpdated } from './response-dates.js';

describe('createdAndUpdated', () => {
  it('shows both times in ISO 8601 UTC to the second, in that order', () => {
    const shown = createdAndUpdated({ createdAt: new Date('2024-09-12T12:00:00.987Z'), updatedAt: new Date('2024-09-13T08:30:05Z'), name: 'x' } as never);
    expect(shown).toEqual({ createdAt: '2024-09-12T12:00:00Z', updatedAt: '2024-09-13T08:30:05Z' });
    expect(Object.keys(shown)).toEqual(['createdAt', 'updatedAt']);
  });
});
