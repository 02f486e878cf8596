import { useQuery } from '@tanstack/react-query';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage } from '../../components/error-message';
import { PROBE_OPS, type ProbeDraft, type ProbeOp, sandboxesFor } from './drill-options';

type Engine = Schemas['DatabaseResponseDto']['engine'];

/** Sandbox picker: the sandboxes of the database's engine family, or "the first one" (the API's default). */
export function SandboxPicker({ engine, value, onChange, disabled }: { engine: Engine; value: string; onChange(id: string): void; disabled?: boolean }) {
  const { api } = useSession();
  const sandboxes = useQuery({ queryKey: ['sandboxes'], queryFn: () => unwrap(api.GET('/sandboxes')) });
  const usable = sandboxesFor(sandboxes.data ?? [], engine);
  return (
    <>
      <label>
        Sandbox{' '}
        <select value={value} onChange={(event) => onChange(event.target.value)} disabled={disabled}>
          <option value="">first {engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} sandbox</option>
          {usable.map((sandbox) => (
            <option key={sandbox.sandboxId} value={sandbox.sandboxId}>
              {sandbox.name} ({sandbox.host}:{sandbox.port})
            </option>
          ))}
        </select>
      </label>
      {sandboxes.isSuccess && usable.length === 0 && <p className="warn small-text">No sandbox of this engine family is registered (Settings → Sandboxes).</p>}
      <ErrorMessage error={sandboxes.error} />
    </>
  );
}

/** The optional probe: a read-only query and what its first value must be. */
export function ProbeFields({ draft, onChange, disabled }: { draft: ProbeDraft; onChange(draft: ProbeDraft): void; disabled?: boolean }) {
  return (
    <fieldset>
      <legend>Probe (optional)</legend>
      <label>
        Query{' '}
        <textarea
          rows={2}
          cols={40}
          value={draft.sql}
          disabled={disabled}
          onChange={(event) => onChange({ ...draft, sql: event.target.value })}
          placeholder="select count(*) from orders"
        />
      </label>
      <div className="inline-form">
        <label>
          First value{' '}
          <select aria-label="Comparison" value={draft.op} disabled={disabled} onChange={(event) => onChange({ ...draft, op: event.target.value as ProbeOp })}>
            {PROBE_OPS.map((op) => (
              <option key={op}>{op}</option>
            ))}
          </select>
        </label>
        <label>
          Expected <input value={draft.value} size={10} disabled={disabled} onChange={(event) => onChange({ ...draft, value: event.target.value })} />
        </label>
      </div>
      <p className="muted small-text">Runs on the restored copy only, in a read-only transaction. Empty query: no probe.</p>
    </fieldset>
  );
}
