import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
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
            <li key={sandbox.sandboxId} data-sandbox={sandbox.name}>
              <strong>{sandbox.name}</strong> <span className="muted">{sandbox.engine}</span>{' '}
              <code>
                {sandbox.username}@{sandbox.host}:{sandbox.port}/{sandbox.maintenanceDatabase}
              </code>{' '}
              <span className="muted small-text">added {formatTime(sandbox.createdAt)}</span>
            </li>
          ))}
          {sandboxes.data?.length === 0 && <li className="muted">None registered: drills cannot run yet.</li>}
        </ul>
      )}
      <CreateSandboxForm />
    </section>
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
  const set = (field: keyof SandboxDraft, value: string) => setDraft({ ...draft, [field]: value });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/sandboxes', { body: sandboxBody(draft) })),
    onSuccess: async () => {
      setDraft(EMPTY);
      await queryClient.invalidateQueries({ queryKey: ['sandboxes'] });
    },
  });
  const changeEngine = (engine: Engine) => setDraft({ ...draft, engine, port: String(DEFAULT_PORT[engine]) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Add a sandbox">
      <h3>Add a sandbox</h3>
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
          Password <input type="password" value={draft.password} onChange={(event) => set('password', event.target.value)} autoComplete="new-password" />
        </label>
      </div>
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
