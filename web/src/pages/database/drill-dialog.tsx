import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Dialog } from '../../components/dialog';
import { ErrorMessage } from '../../components/error-message';
import { ProbeFields, SandboxPicker } from '../drills/drill-fields';
import { NO_PROBE, probeOf } from '../drills/drill-options';

type Database = Schemas['DatabaseDetailsDto'];
type Triggered = Schemas['DrillTriggeredDto'];

interface Props {
  open: boolean;
  database: Database;
  onClose(): void;
  onStarted(answer: Triggered): void;
}

export function DrillDialog({ open, database, onClose, onStarted }: Props) {
  return (
    <Dialog title={`Run a restore drill of ${database.name}`} open={open} onClose={onClose}>
      <DrillForm database={database} onClose={onClose} onStarted={onStarted} />
    </Dialog>
  );
}

function DrillForm({ database, onClose, onStarted }: Omit<Props, 'open'>) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [sandboxId, setSandboxId] = useState('');
  const [probe, setProbe] = useState(NO_PROBE);
  const start = useMutation({
    mutationFn: () => {
      const checked = probeOf(probe);
      const body = { ...(sandboxId ? { sandboxId } : {}), ...(checked ? { probe: checked } : {}) };
      return unwrap(api.POST('/databases/{databaseId}/drills', { params: { path: { databaseId: database.databaseId } }, body }));
    },
    onSuccess: async (answer) => {
      onStarted(answer);
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['drills'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Run a drill">
      <p className="muted">
        Restores the newest successful backup of <strong>{database.name}</strong> into a scratch database on the sandbox, compares it with the backup’s
        manifest, runs the probe, times the restore and drops the copy. The database itself is not touched.
      </p>
      <SandboxPicker engine={database.engine} value={sandboxId} onChange={setSandboxId} />
      <ProbeFields draft={probe} onChange={setProbe} />
      <ErrorMessage error={start.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={start.isPending}>
          {start.isPending ? 'Starting…' : 'Start drill'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
