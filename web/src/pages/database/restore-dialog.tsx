import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Dialog } from '../../components/dialog';
import { ErrorMessage } from '../../components/error-message';
import { inPlaceConfirmed, sameFamily } from './restore-target';

interface Props {
  open: boolean;
  onClose(): void;
  backupId: string;
  source: Schemas['DatabaseDetailsDto'];
}

type Ownership = NonNullable<Schemas['CreateRestoreDto']['ownership']>;

export function RestoreDialog({ open, onClose, backupId, source }: Props) {
  return (
    <Dialog title={`Restore backup #${backupId}`} open={open} onClose={onClose}>
      <RestoreForm backupId={backupId} source={source} onClose={onClose} />
    </Dialog>
  );
}

function RestoreForm({ backupId, source, onClose }: Omit<Props, 'open'>) {
  const { api } = useSession();
  const navigate = useNavigate();
  const databases = useQuery({ queryKey: ['databases'], queryFn: () => unwrap(api.GET('/databases')) });
  const targets = (databases.data ?? []).filter((database) => sameFamily(database.engine, source.engine));
  const [targetId, setTargetId] = useState('');
  const [typed, setTyped] = useState('');
  const [ownership, setOwnership] = useState<Ownership>('preserve');
  const [createMissingRoles, setCreateMissingRoles] = useState(false);
  const [rewriteMissingDefiners, setRewriteMissingDefiners] = useState(false);
  const [terminateConnections, setTerminateConnections] = useState(false);
  const inPlace = targetId === source.databaseId;
  const postgres = source.engine === 'postgres';

  const restore = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/backups/{backupId}/restore', {
          params: { path: { backupId } },
          body: {
            targetDatabaseId: targetId,
            confirm: inPlace || undefined,
            ownership,
            terminateConnections,
            ...(postgres ? { createMissingRoles } : { rewriteMissingDefiners }),
          },
        }),
      ),
    onSuccess: (answer) => navigate(`/restores/${answer.restoreId}`),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    restore.mutate();
  };
  const ready = targetId !== '' && (!inPlace || inPlaceConfirmed(source.name, typed));

  return (
    <form onSubmit={submit} className="stack">
      <label>
        Restore into{' '}
        <select value={targetId} onChange={(event) => setTargetId(event.target.value)} required>
          <option value="">choose a database…</option>
          {targets.map((database) => (
            <option key={database.databaseId} value={database.databaseId}>
              {database.name} ({database.engine}, {database.host}/{database.database}){database.databaseId === source.databaseId ? ' — in place' : ''}
            </option>
          ))}
        </select>
      </label>
      {inPlace && (
        <div className="danger-zone">
          <p>
            This replaces the current contents of <strong>{source.name}</strong>. Type its name to confirm.
          </p>
          <label>
            Database name <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" aria-label="Type the database name to confirm" />
          </label>
        </div>
      )}
      <fieldset>
        <legend>Options</legend>
        <label>
          Ownership{' '}
          <select value={ownership} onChange={(event) => setOwnership(event.target.value as Ownership)}>
            <option value="preserve">preserve owners and grants</option>
            <option value="restoring-user">owned by the restoring user, no grants</option>
          </select>
        </label>
        {postgres ? (
          <label className="check">
            <input type="checkbox" checked={createMissingRoles} onChange={(event) => setCreateMissingRoles(event.target.checked)} /> Create roles the target
            server lacks
          </label>
        ) : (
          <label className="check">
            <input type="checkbox" checked={rewriteMissingDefiners} onChange={(event) => setRewriteMissingDefiners(event.target.checked)} /> Rewrite missing
            definers to the restoring account
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={terminateConnections} onChange={(event) => setTerminateConnections(event.target.checked)} /> End other sessions on
          the target at the switch
        </label>
      </fieldset>
      <ErrorMessage error={restore.error ?? databases.error} />
      <div className="row">
        <button type="submit" className={inPlace ? 'danger' : 'primary'} disabled={!ready || restore.isPending}>
          {restore.isPending ? 'Starting…' : 'Start restore'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
