import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatAge, formatDuration } from '../../lib/format';
import { isActive } from '../../lib/polling';
import { DrillsTable } from '../drills/drills-table';
import { useDrills } from '../drills/drills-page';
import { DrillDialog } from './drill-dialog';
import { DrillSchedulesEditor } from './drill-schedules-editor';

type Database = Schemas['DatabaseDetailsDto'];
const RECENT = 5;

/** Restore drills of one database: the last one and its restore time, run one now, the recent ones live, schedules. */
export function DrillsSection({ database }: { database: Database }) {
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  const [started, setStarted] = useState<string | null>(null);
  const drills = useDrills(database.databaseId);
  useRefreshWhenDrillsFinish(database.databaseId, drills.data);
  return (
    <section aria-labelledby="drills-section-title" className="stack">
      <h2 id="drills-section-title">Restore drills</h2>
      <div className="row">
        <LastDrill database={database} />
        {can('restore') && (
          <button type="button" onClick={() => setOpen(true)}>
            Run drill…
          </button>
        )}
        {started && <span role="status">{started}</span>}
      </div>
      {can('restore') && <DrillDialog open={open} database={database} onClose={() => setOpen(false)} onStarted={(answer) => setStarted(answer.message)} />}
      <ErrorMessage error={drills.error} />
      {drills.isPending ? <Loading what="drills" /> : <DrillsTable drills={(drills.data ?? []).slice(0, RECENT)} />}
      {(drills.data?.length ?? 0) > RECENT && (
        <p className="small-text">
          <Link to="/drills">All drills</Link>
        </p>
      )}
      <h3>Drill schedules</h3>
      <DrillSchedulesEditor database={database} />
    </section>
  );
}

function LastDrill({ database }: { database: Database }) {
  const drill = database.lastDrill;
  return (
    <p className="last-drill">
      Last drill:{' '}
      {drill ? (
        <>
          <Badge value={drill.status} /> {formatAge(drill.finishedAt)}
        </>
      ) : (
        <span className="muted">none</span>
      )}
      {database.restoreTimeSeconds != null && <> · restore time {formatDuration(database.restoreTimeSeconds)}</>}
    </p>
  );
}

/** When a drill that was queued or running finishes, the database (last drill, restore time) and overview are refetched. */
function useRefreshWhenDrillsFinish(databaseId: string, drills: readonly Schemas['DrillResponseDto'][] | undefined) {
  const queryClient = useQueryClient();
  const running = useRef(new Set<string>());
  useEffect(() => {
    if (!drills) return;
    const now = new Set(drills.filter((drill) => isActive(drill.status)).map((drill) => drill.drillId));
    const finished = [...running.current].some((drillId) => !now.has(drillId));
    running.current = now;
    if (finished) {
      void queryClient.invalidateQueries({ queryKey: ['database', databaseId] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
    }
  }, [drills, databaseId, queryClient]);
}
