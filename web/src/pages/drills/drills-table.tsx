import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { type Schemas, unwrap } from '../../api/client';
import { useBackupSizes } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage } from '../../components/error-message';
import { WorkProgress } from '../../components/work-progress';
import { formatAge, formatDuration, formatTime } from '../../lib/format';
import { isActive } from '../../lib/polling';
import { describeProbe } from './drill-options';

type Drill = Schemas['DrillResponseDto'];

/** Drills with live status, progress (bytes read against the backup's size), restore time, probe and cancel. */
export function DrillsTable({ drills, databaseNames }: { drills: readonly Drill[]; databaseNames?: ReadonlyMap<string, string> }) {
  const sizes = useBackupSizes(drills.filter((drill) => isActive(drill.status)).map((drill) => drill.backupId));
  if (!drills.length) return <p className="muted">No drill yet.</p>;
  return (
    <table className="drills responsive">
      <thead>
        <tr>
          <th scope="col">Drill</th>
          {databaseNames && <th scope="col">Database</th>}
          <th scope="col">Status</th>
          <th scope="col">Trigger</th>
          <th scope="col">Restore time</th>
          <th scope="col">Probe</th>
          <th scope="col">Requested</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {drills.map((drill) => (
          <DrillLine key={drill.drillId} drill={drill} databaseNames={databaseNames} backupSize={drill.backupId ? sizes.get(drill.backupId) : null} />
        ))}
      </tbody>
    </table>
  );
}

interface LineProps {
  drill: Drill;
  databaseNames?: ReadonlyMap<string, string>;
  backupSize: number | null | undefined;
}

function DrillLine({ drill, databaseNames, backupSize }: LineProps) {
  const progress = drill.progress ? { phase: drill.progress.phase, bytes: drill.progress.bytesRead } : null;
  return (
    <tr data-drill={drill.drillId}>
      <td data-label="Drill">
        #{drill.drillId}
        {drill.backupId && <div className="muted small-text">backup #{drill.backupId}</div>}
      </td>
      {databaseNames && (
        <td data-label="Database">
          <Link to={`/databases/${drill.databaseId}`}>{databaseNames.get(drill.databaseId) ?? `database ${drill.databaseId}`}</Link>
        </td>
      )}
      <td data-label="Status">
        <Badge value={drill.status} />
        {isActive(drill.status) && <WorkProgress label={`Drill ${drill.drillId} progress`} progress={progress} total={backupSize} />}
        {drill.error && <div className="error small-text">{drill.error}</div>}
        {drill.verification && drill.verification.status === 'failed' && <div className="error small-text">manifest comparison failed</div>}
      </td>
      <td data-label="Trigger">{drill.trigger}</td>
      <td data-label="Restore time">{formatDuration(drill.restoreTimeSeconds)}</td>
      <td data-label="Probe">
        <ProbeOutcome drill={drill} />
      </td>
      <td data-label="Requested" title={formatTime(drill.timestamp)}>
        {formatAge(drill.timestamp)}
      </td>
      <td data-label="Actions">{isActive(drill.status) && <CancelDrill drillId={drill.drillId} />}</td>
    </tr>
  );
}

function ProbeOutcome({ drill }: { drill: Drill }) {
  if (!drill.probe) return <span className="muted">none</span>;
  const title = describeProbe(drill.probe);
  if (!drill.probeResult) return <span className="muted" title={title}>not run yet</span>;
  const { passed, value, reason } = drill.probeResult;
  return (
    <span title={title}>
      <Badge value={passed ? 'passed' : 'failed'} /> <code>{value ?? 'NULL'}</code>
      {reason && <div className="error small-text">{reason}</div>}
    </span>
  );
}

function CancelDrill({ drillId }: { drillId: string }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/drills/{drillId}/cancel', { params: { path: { drillId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['drills'] }),
  });
  if (!can('restore')) return null;
  return (
    <>
      <button type="button" className="small danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
        {cancel.isPending ? 'Cancelling…' : 'Cancel'}
      </button>
      <ErrorMessage error={cancel.error} />
    </>
  );
}
