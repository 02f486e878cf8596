import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatTime } from '../../lib/format';

type Policy = Schemas['RetentionPolicyDto'];
type Preview = Schemas['RetentionPreviewDto'];
const FIELDS = ['keepLast', 'keepDays', 'daily', 'weekly', 'monthly'] as const;
type Field = (typeof FIELDS)[number];
type Draft = Record<Field, string>;

const LABELS: Record<Field, string> = {
  keepLast: 'Keep the last N',
  keepDays: 'Keep D days',
  daily: 'Daily (GFS)',
  weekly: 'Weekly (GFS)',
  monthly: 'Monthly (GFS)',
};

export function draftOf(policy: Policy): Draft {
  const text = (value: number | null | undefined) => (value == null ? '' : String(value));
  return {
    keepLast: text(policy.keepLast),
    keepDays: text(policy.keepDays),
    daily: text(policy.gfs?.daily),
    weekly: text(policy.gfs?.weekly),
    monthly: text(policy.gfs?.monthly),
  };
}

/** Empty fields are null (no such rule); the API validates the numbers. */
export function policyOf(draft: Draft): Policy {
  const value = (text: string) => (text.trim() === '' ? null : Number(text));
  return {
    keepLast: value(draft.keepLast),
    keepDays: value(draft.keepDays),
    gfs: { daily: value(draft.daily), weekly: value(draft.weekly), monthly: value(draft.monthly) },
  };
}

export function RetentionEditor({ databaseId }: { databaseId: string }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const saved = useQuery({
    queryKey: ['retention', databaseId],
    queryFn: () => unwrap(api.GET('/databases/{databaseId}/retention', { params: { path: { databaseId } } })),
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (saved.data && draft === null) setDraft(draftOf(saved.data));
  }, [saved.data, draft]);
  const path = { databaseId };

  const preview = useMutation({
    mutationFn: (policy: Policy) => unwrap(api.POST('/databases/{databaseId}/retention/preview', { params: { path }, body: policy })),
  });
  const save = useMutation({
    mutationFn: (policy: Policy) => unwrap(api.PUT('/databases/{databaseId}/retention', { params: { path }, body: policy })),
    onSuccess: (policy) => {
      queryClient.setQueryData(['retention', databaseId], policy);
      setDraft(draftOf(policy));
    },
  });

  if (saved.isPending || !draft) return saved.error ? <ErrorMessage error={saved.error} /> : <Loading what="the retention policy" />;
  const editable = can('admin');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    preview.mutate(policyOf(draft));
  };

  return (
    <form className="stack" onSubmit={submit} aria-label="Retention policy">
      <div className="inline-form">
        {FIELDS.map((field) => (
          <label key={field}>
            {LABELS[field]}{' '}
            <input
              type="number"
              min={1}
              size={5}
              value={draft[field]}
              disabled={!editable}
              onChange={(event) => {
                setDraft({ ...draft, [field]: event.target.value });
                preview.reset();
              }}
            />
          </label>
        ))}
      </div>
      <p className="muted small-text">A successful backup is kept if any rule keeps it; the newest is never deleted. All empty: every backup is kept.</p>
      <div className="row">
        <button type="submit" className="small" disabled={preview.isPending}>
          Preview
        </button>
        {editable && (
          <button type="button" className="small primary" disabled={!preview.data || save.isPending} onClick={() => save.mutate(policyOf(draft))} title="Preview first">
            Save policy
          </button>
        )}
        {save.isSuccess && <span role="status">Saved.</span>}
      </div>
      <ErrorMessage error={preview.error ?? save.error} />
      {preview.data && <PreviewResult preview={preview.data} />}
    </form>
  );
}

function PreviewResult({ preview }: { preview: Preview }) {
  return (
    <div className="preview" role="status" aria-label="Retention preview">
      <p>
        Would delete <strong>{preview.delete.length}</strong> and keep <strong>{preview.keep.length}</strong> successful backups.
      </p>
      {preview.delete.length > 0 && (
        <ul className="notes">
          {preview.delete.map((backup) => (
            <li key={backup.backupId}>
              #{backup.backupId} ({formatTime(backup.timestamp)}): {backup.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
