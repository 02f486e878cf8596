/**
 * The scratch database of one attempt of a drill, named from server-side values only: the drill's id and the
 * instant it was requested (base 36), so that two installations sharing a sandbox never take each other's names,
 * and a leftover can be matched to its drill by name alone.
 */
export const SCRATCH_DATABASE_PREFIX = 'dbbackup_drill_';

export interface DrillIdentity {
  id: string;
  requestedAt: Date;
}

export function scratchDatabaseName({ id, requestedAt }: DrillIdentity, attempt: number): string {
  return `${SCRATCH_DATABASE_PREFIX}${id}_${requestedAt.getTime().toString(36)}_${attempt}`;
}

/** The drill a scratch database belongs to, or null for a name this service did not make. */
export function drillOfScratchName(name: string): { id: string; requestedAt: Date; attempt: number } | null {
  const match = /^dbbackup_drill_([1-9]\d{0,17})_([0-9a-z]{1,12})_([1-9]\d{0,8})$/.exec(name);
  if (!match) return null;
  return { id: match[1]!, requestedAt: new Date(parseInt(match[2]!, 36)), attempt: Number(match[3]) };
}
