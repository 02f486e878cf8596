import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading } from '../../components/error-message';
import { ProbeFields, SandboxPicker } from '../drills/drill-fields';
import { describeProbe, probeDraftOf, probeOf } from '../drills/drill-options';
import { ScheduleState } from './schedules-editor';

type DrillSchedule = Schemas['DrillScheduleResponseDto'];
type Database = Schemas['DatabaseDetailsDto'];

export function DrillSchedulesEditor({ database }: { database: Database }) {
  const { api, can } = useSession();
  const databaseId = database.databaseId;
  const schedules = useQuery({
    queryKey: ['drill-schedules', databaseId],
    queryFn: () => unwrap(api.GET('/databases/{databaseId}/drill-schedules', { params: { path: { databaseId } } })),
  });
  if (schedules.isPending) return <Loading what="drill schedules" />;
  if (schedules.error) return <ErrorMessage error={schedules.error} />;
  return (
    <div className="stack">
      {schedules.data.length === 0 && <p className="muted">No drill schedule: drills run only when asked.</p>}
      {schedules.data.map((schedule) =>
        can('admin') ? (
          <DrillScheduleForm key={schedule.scheduleId + schedule.updatedAt} database={database} schedule={schedule} />
        ) : (
          <DrillScheduleLine key={schedule.scheduleId} schedule={schedule} />
        ),
      )}
      {can('admin') && <DrillScheduleForm database={database} />}
    </div>
  );
}

function DrillScheduleLine({ schedule }: { schedule: DrillSchedule }) {
  return (
    <div className="schedule">
      <code>{schedule.cron}</code> {schedule.timezone} · sandbox {schedule.sandboxId ?? 'first of the family'} · probe {describeProbe(schedule.probe)}{' '}
      <ScheduleState schedule={schedule} missedLabel="drill missed" />
    </div>
  );
}

/** Edits a drill schedule, or adds one when `schedule` is absent. */
function DrillScheduleForm({ database, schedule }: { database: Database; schedule?: DrillSchedule }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const databaseId = database.databaseId;
  const [cron, setCron] = useState(schedule?.cron ?? '');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? 'UTC');
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [sandboxId, setSandboxId] = useState(schedule?.sandboxId ?? '');
  const [probe, setProbe] = useState(probeDraftOf(schedule?.probe));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['drill-schedules', databaseId] });
  const path = { databaseId, scheduleId: schedule?.scheduleId ?? '' };

  const save = useMutation({
    mutationFn: () => {
      const body = { cron, timezone, enabled, sandboxId: sandboxId || null, probe: probeOf(probe) };
      return schedule
        ? unwrap(api.PATCH('/databases/{databaseId}/drill-schedules/{scheduleId}', { params: { path }, body }))
        : unwrap(api.POST('/databases/{databaseId}/drill-schedules', { params: { path: { databaseId } }, body }));
    },
    onSuccess: async () => {
      if (!schedule) setCron('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/databases/{databaseId}/drill-schedules/{scheduleId}', { params: { path } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const label = schedule ? `Drill schedule ${schedule.scheduleId}` : 'New drill schedule';

  return (
    <form className="schedule stack" onSubmit={submit} aria-label={label}>
      <div className="inline-form">
        <label>
          Cron <input value={cron} onChange={(event) => setCron(event.target.value)} placeholder="0 4 * * 1" required size={14} />
        </label>
        <label>
          Time zone <input value={timezone} onChange={(event) => setTimezone(event.target.value)} size={14} />
        </label>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} /> enabled
        </label>
        <SandboxPicker engine={database.engine} value={sandboxId} onChange={setSandboxId} />
      </div>
      <details open={schedule?.probe ? true : undefined}>
        <summary>Probe</summary>
        <ProbeFields draft={probe} onChange={setProbe} />
      </details>
      <div className="row">
        <button type="submit" className="small primary" disabled={save.isPending}>
          {schedule ? 'Save' : 'Add drill schedule'}
        </button>
        {schedule && (
          <>
            <button type="button" className="small danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
              Delete
            </button>
            <ScheduleState schedule={schedule} missedLabel="drill missed" />
          </>
        )}
      </div>
      <ErrorMessage error={save.error ?? remove.error} />
    </form>
  );
}
