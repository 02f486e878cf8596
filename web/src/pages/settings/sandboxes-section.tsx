import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ConfirmDelete } from '../../components/confirm-delete';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatTime } from '../../lib/format';

type Engine = Schemas['CreateSandboxDto']['engine'];
const ENGINES: readonly Engine[] = ['postgres', 'mysql', 'mariadb'];
const DEFAULT_PORT: Record<Engine, number> = { postgres: 5432, mysql: 3306, mariadb: 3306 };

/** Database servers where restore drills run (never backup or restore targets). */
export function SandboxesSection() {
  const { api } = useSession();
  const sandboxes = useQuery({ queryKey: ['sandboxes'], queryFn: () => unwrap(api.GET('/sandboxes')) });
  return (
    <section aria-labelledby="sandboxes-title" className="stack">
      <h2 id="sandboxes-title">Sandboxes</h2>
      <p className="muted small-text">
        Restore drills restore into scratch databases (dbbackup_drill_…) on a sandbox of the same engine family, then drop them. Its user must be allowed to
        create and drop databases.
      </p>
      <ErrorMessage error={sandboxes.error} />
      {sandboxes.isPending ? (
        <Loading what="sandboxes" />
      ) : (
        <ul className="notes">
          {(sandboxes.data ?? []).map((sandbox) => (
            <SandboxItem key={sandbox.sandboxId} sandbox={sandbox} />
          ))}
          {sandboxes.data?.length === 0 && <li className="muted">None registered: drills cannot run yet.</li>}
        </ul>
      )}
      <CreateSandboxForm />
    </section>
  );
}

/** One sandbox, with an edit form on demand and delete. */
function SandboxItem({ sandbox }: { sandbox: Schemas['SandboxResponseDto'] }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  // Focus goes back to Edit when the form closes, rather than to the page's start.
  const closeEdit = () => {
    setEditing(false);
    editButton.current?.focus();
  };
  const { sandboxId } = sandbox;
  return (
    <li data-sandbox={sandbox.name}>
      <strong>{sandbox.name}</strong> <span className="muted">{sandbox.engine}</span>{' '}
      <code>
        {sandbox.username}@{sandbox.host}:{sandbox.port}/{sandbox.maintenanceDatabase}
      </code>{' '}
      <span className="muted small-text">added {formatTime(sandbox.createdAt)}</span>{' '}
      <span className="item-actions">
        <button ref={editButton} type="button" className="small" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <ConfirmDelete
          what={`sandbox ${sandbox.name}`}
          consequence="Drills can no longer run on it. The API refuses while a drill on it is queued or running."
          onDelete={() => unwrap(api.DELETE('/sandboxes/{sandboxId}', { params: { path: { sandboxId } } }))}
          onDeleted={() => queryClient.invalidateQueries({ queryKey: ['sandboxes'] })}
        />
      </span>
      {editing && <EditSandboxForm sandbox={sandbox} onDone={closeEdit} />}
    </li>
  );
}

interface SandboxDraft {
  name: string;
  engine: Engine;
  host: string;
  port: string;
  maintenanceDatabase: string;
  username: string;
  password: string;
}

const EMPTY: SandboxDraft = { name: '', engine: 'postgres', host: '', port: '5432', maintenanceDatabase: '', username: '', password: '' };

/** The body to send: the port as a number, the maintenance database left to the API's default when empty. */
export function sandboxBody(draft: SandboxDraft): Schemas['CreateSandboxDto'] {
  const { maintenanceDatabase, port, ...rest } = draft;
  return { ...rest, port: Number(port), ...(maintenanceDatabase.trim() ? { maintenanceDatabase: maintenanceDatabase.trim() } : {}) };
}

function CreateSandboxForm() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<SandboxDraft>(EMPTY);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/sandboxes', { body: sandboxBody(draft) })),
    onSuccess: async () => {
      setDraft(EMPTY);
      await queryClient.invalidateQueries({ queryKey: ['sandboxes'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Add a sandbox">
      <h3>Add a sandbox</h3>
      <SandboxFields draft={draft} onChange={setDraft} />
      <ErrorMessage error={create.error} />
      {create.data && <p role="status">Sandbox {create.data.name} added.</p>}
      <div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add sandbox
        </button>
      </div>
    </form>
  );
}

/** The connection fields of a sandbox; changing the engine sets its default port. */
function SandboxFields({ draft, onChange, passwordPlaceholder }: { draft: SandboxDraft; onChange(draft: SandboxDraft): void; passwordPlaceholder?: string }) {
  const set = (field: keyof SandboxDraft, value: string) => onChange({ ...draft, [field]: value });
  const changeEngine = (engine: Engine) => onChange({ ...draft, engine, port: String(DEFAULT_PORT[engine]) });
  return (
    <>
      <div className="inline-form">
        <label>
          Name <input value={draft.name} onChange={(event) => set('name', event.target.value)} required maxLength={100} placeholder="pg-sandbox" />
        </label>
        <label>
          Engine{' '}
          <select value={draft.engine} onChange={(event) => changeEngine(event.target.value as Engine)}>
            {ENGINES.map((engine) => (
              <option key={engine}>{engine}</option>
            ))}
          </select>
        </label>
        <label>
          Host <input value={draft.host} onChange={(event) => set('host', event.target.value)} required placeholder="10.0.0.9" />
        </label>
        <label>
          Port <input type="number" min={1} max={65535} size={6} value={draft.port} onChange={(event) => set('port', event.target.value)} required />
        </label>
        <label>
          Maintenance database <input value={draft.maintenanceDatabase} onChange={(event) => set('maintenanceDatabase', event.target.value)} placeholder={draft.engine === 'postgres' ? 'postgres' : 'mysql'} />
        </label>
      </div>
      <div className="inline-form">
        <label>
          User <input value={draft.username} onChange={(event) => set('username', event.target.value)} required placeholder="drills" autoComplete="off" />
        </label>
        <label>
          Password <input type="password" value={draft.password} onChange={(event) => set('password', event.target.value)} autoComplete="new-password" placeholder={passwordPlaceholder} />
        </label>
      </div>
    </>
  );
}

/** The PATCH body: every field as the create body has it, but an empty password keeps the stored one. */
export function sandboxPatch(draft: SandboxDraft): Schemas['UpdateSandboxDto'] {
  const { password, ...rest } = sandboxBody(draft);
  return password ? { ...rest, password } : rest;
}

function draftOf(sandbox: Schemas['SandboxResponseDto']): SandboxDraft {
  const { name, engine, host, port, maintenanceDatabase, username } = sandbox;
  return { name, engine, host, port: String(port), maintenanceDatabase, username, password: '' };
}

/** Changes a sandbox; the API's refusal (e.g. a name taken) is shown as it words it. */
function EditSandboxForm({ sandbox, onDone }: { sandbox: Schemas['SandboxResponseDto']; onDone(): void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<SandboxDraft>(() => draftOf(sandbox));
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH('/sandboxes/{sandboxId}', { params: { path: { sandboxId: sandbox.sandboxId } }, body: sandboxPatch(draft) })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['sandboxes'] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} className="stack edit-form" aria-label={`Edit sandbox ${sandbox.name}`}>
      <SandboxFields draft={draft} onChange={setDraft} passwordPlaceholder="empty: unchanged" />
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
