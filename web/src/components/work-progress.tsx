import type { Schemas } from '../api/client';
import { percentDone, progressText } from '../lib/progress';

export interface Progress {
  phase: string;
  bytes: number;
}

interface Props {
  /** Names the bar for screen readers, e.g. "Backup 12 progress". */
  label: string;
  /** Null while queued: an indeterminate bar. */
  progress: Progress | null;
  /** Bytes expected in all (a restore's backup size, or a backup's previous size), when known. */
  total?: number | null;
  /** `total` is the previous backup's size, a guess. */
  estimate?: boolean;
}

/** Live progress of running work: a bar (indeterminate until there is a size to measure against) and its words. */
export function WorkProgress({ label, progress, total, estimate = false }: Props) {
  if (!progress) {
    return (
      <div className="work-progress">
        <progress aria-label={label} />
      </div>
    );
  }
  const percent = percentDone(progress.bytes, total);
  const text = progressText(progress.phase, progress.bytes, total, estimate);
  return (
    <div className="work-progress">
      {percent === null ? <progress aria-label={label} aria-valuetext={text} /> : <progress aria-label={label} aria-valuetext={text} value={percent} max={100} />}
      <span className="muted small-text">{text}</span>
    </div>
  );
}

/** A queued or running backup's bar: bytes written so far, against the database's last backup size when there is one. */
export function BackupProgress({ backup, details, lastSize }: { backup: Schemas['BackupSummaryDto']; details?: Schemas['BackupDetailsDto']; lastSize?: number | null }) {
  const progress = details?.status === 'running' && details.progress ? { phase: details.progress.phase, bytes: details.progress.bytesWritten } : null;
  return <WorkProgress label={`Backup ${backup.backupId} progress`} progress={progress} total={lastSize} estimate />;
}
