import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage } from '../../components/error-message';
import { formatAge } from '../../lib/format';

type Schedule = Schemas['ScheduleResponseDto'];

export function SchedulesEditor({ databaseId, schedules }: { databaseId: string; schedules: Schedule[] }) {
  const { can } = useSession();
  return (
    <div className="stack">
      {schedules.length === 0 && <p className="muted">No schedule: backups run only when asked.</p>}
      {schedules.map((schedule) => (can('admin') ? <ScheduleForm key={schedule.scheduleId + schedule.updatedAt} databaseId={databaseId} schedule={schedule} /> : <ScheduleLine key={schedule.scheduleId} schedule={schedule} />))}
      {can('admin') && <ScheduleForm databaseId={databaseId} />}
    </div>
  );
}

/** "next in …" or "paused", and a badge when the schedule is missed (a drill schedule says so in `missedLabel`). */
export function ScheduleState({ schedule, missedLabel = 'missed' }: { schedule: Pick<Schedule, 'enabled' | 'nextRunAt' | 'missed'>; missedLabel?: string }) {
  return (
    <span className="muted">
      {schedule.enabled ? `next ${formatAge(schedule.nextRunAt)}` : 'paused'}
      {schedule.missed && (
        <>
          {' '}
          <Badge value="missed" label={missedLabel} />
        </>
      )}
    </span>
  );
}

function ScheduleLine({ schedule }: { schedule: Schedule }) {
  return (
    <div className="schedule">
      <code>{schedule.cron}</code> {schedule.timezone} <ScheduleState schedule={schedule} />
    </div>
  );
}

/** Edits a schedule, or adds one when `schedule` is absent. */
function ScheduleForm({ databaseId, schedule }: { databaseId: string; schedule?: Schedule }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [cron, setCron] = useState(schedule?.cron ?? '');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? 'UTC');
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['database', databaseId] }), queryClient.invalidateQueries({ queryKey: ['overview'] })]);
  const path = { databaseId, scheduleId: schedule?.scheduleId ?? '' };

  const save = useMutation({
    mutationFn: () =>
      schedule
        ? unwrap(api.PATCH('/databases/{databaseId}/schedules/{scheduleId}', { params: { path }, body: { cron, timezone, enabled } }))
        : unwrap(api.POST('/databases/{databaseId}/schedules', { params: { path: { databaseId } }, body: { cron, timezone, enabled } })),
    onSuccess: async () => {
      if (!schedule) setCron('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/databases/{databaseId}/schedules/{scheduleId}', { params: { path } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const label = schedule ? `Schedule ${schedule.scheduleId}` : 'New schedule';

  return (
    <form className="schedule inline-form" onSubmit={submit} aria-label={label}>
      <label>
        Cron <input value={cron} onChange={(event) => setCron(event.target.value)} placeholder="30 2 * * *" required size={14} />
      </label>
      <label>
        Time zone <input value={timezone} onChange={(event) => setTimezone(event.target.value)} size={14} />
      </label>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} /> enabled
      </label>
      <button type="submit" className="small primary" disabled={save.isPending}>
        {schedule ? 'Save' : 'Add schedule'}
      </button>
      {schedule && (
        <>
          <button type="button" className="small danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
            Delete
          </button>
          <ScheduleState schedule={schedule} />
        </>
      )}
      <ErrorMessage error={save.error ?? remove.error} />
    </form>
  );
}
