import { isoSeconds } from './id-param.js';

/** When a row was created and last changed, as responses show them (isoSeconds). */
export function createdAndUpdated(row: { createdAt: Date; updatedAt: Date }): { createdAt: string; updatedAt: string } {
  return { createdAt: isoSeconds(row.createdAt), updatedAt: isoSeconds(row.updatedAt) };
}
