import type { Schemas } from '../../api/client';
import { sameFamily } from '../database/restore-target';

export type Probe = Schemas['DrillProbeDto'];
export type ProbeOp = Probe['expect']['op'];
export type Sandbox = Schemas['SandboxResponseDto'];
type Engine = Schemas['DatabaseResponseDto']['engine'];

export const PROBE_OPS: readonly ProbeOp[] = ['>', '>=', '<', '<=', '=', '!='];

/** The probe as typed: no SQL means no probe. */
export interface ProbeDraft {
  sql: string;
  op: ProbeOp;
  value: string;
}

export const NO_PROBE: ProbeDraft = { sql: '', op: '>', value: '0' };

export function probeDraftOf(probe: Probe | null | undefined): ProbeDraft {
  if (!probe) return NO_PROBE;
  return { sql: probe.sql, op: probe.expect.op, value: String(probe.expect.value) };
}

/** A number when the value reads as one (compared numerically by the API), text otherwise; null without SQL. */
export function probeOf(draft: ProbeDraft): Probe | null {
  const sql = draft.sql.trim();
  if (!sql) return null;
  const text = draft.value.trim();
  const value = text !== '' && Number.isFinite(Number(text)) ? Number(text) : draft.value;
  return { sql, expect: { op: draft.op, value } };
}

/** Sandboxes a drill of an `engine` database may run on: the same engine family (MySQL and MariaDB are one). */
export function sandboxesFor(sandboxes: readonly Sandbox[], engine: Engine): Sandbox[] {
  return sandboxes.filter((sandbox) => sameFamily(sandbox.engine, engine));
}

export function describeProbe(probe: Probe | null | undefined): string {
  return probe ? `${probe.sql} ${probe.expect.op} ${String(probe.expect.value)}` : 'none';
}
