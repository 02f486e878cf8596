import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { messageOf, type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ConfirmDelete } from '../../components/confirm-delete';
import { ErrorMessage, Loading } from '../../components/error-message';

type CreateTarget = Schemas['CreateStorageTargetDto'];

export function StorageTargetsSection() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const targets = useQuery({ queryKey: ['storage-targets'], queryFn: () => unwrap(api.GET('/storage-targets')) });
  return (
    <section aria-labelledby="storage-title" className="stack">
      <h2 id="storage-title">Storage targets</h2>
      <p className="muted small-text">Databases without a storage target write to the service's local directory (STORAGE_DIR).</p>
      <ErrorMessage error={targets.error} />
      {targets.isPending ? (
        <Loading what="storage targets" />
      ) : (
        <ul className="notes">
          {(targets.data ?? []).map((target) => (
            <li key={target.storageTargetId} data-storage-target={target.name}>
              <strong>{target.name}</strong> <span className="muted">{target.kind}</span> <code>{[target.endpoint, target.bucket, target.prefix].filter(Boolean).join(' / ')}</code>{' '}
              <TargetTest storageTargetId={target.storageTargetId} />{' '}
              <ConfirmDelete
                what={`storage target ${target.name}`}
                consequence="The API refuses while a database uses it or a backup is kept in it. The bucket itself is left as it is."
                onDelete={() => unwrap(api.DELETE('/storage-targets/{storageTargetId}', { params: { path: { storageTargetId: target.storageTargetId } } }))}
                onDeleted={() => queryClient.invalidateQueries({ queryKey: ['storage-targets'] })}
              />
            </li>
          ))}
          {targets.data?.length === 0 && <li className="muted">None registered.</li>}
        </ul>
      )}
      <CreateTargetForm />
    </section>
  );
}

function TargetTest({ storageTargetId }: { storageTargetId: string }) {
  const { api } = useSession();
  const test = useMutation({ mutationFn: () => unwrap(api.POST('/storage-targets/{storageTargetId}/test', { params: { path: { storageTargetId } } })) });
  return (
    <>
      <button type="button" className="small" onClick={() => test.mutate()} disabled={test.isPending}>
        {test.isPending ? 'Testing…' : 'Test'}
      </button>{' '}
      {test.isSuccess && <span role="status">reachable</span>}
      <ErrorMessage error={test.error} />
    </>
  );
}

const EMPTY: CreateTarget = {
  name: '',
  kind: 's3',
  bucket: '',
  region: 'us-east-1',
  endpoint: '',
  forcePathStyle: false,
  prefix: '',
  accessKeyId: '',
  secretAccessKey: '',
};

/** The body to send: the optional endpoint left out when empty (AWS itself). */
export function targetBody(draft: CreateTarget): CreateTarget {
  const { endpoint, ...rest } = draft;
  return endpoint?.trim() ? { ...rest, endpoint: endpoint.trim() } : rest;
}

/** Adds an S3-compatible target, then tests it at once (writes and deletes a probe object) and says how it went. */
function CreateTargetForm() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<CreateTarget>(EMPTY);
  const set = (field: keyof CreateTarget, value: string | boolean) => setDraft({ ...draft, [field]: value });
  const create = useMutation({
    mutationFn: async () => {
      const target = await unwrap(api.POST('/storage-targets', { body: targetBody(draft) }));
      const test = await unwrap(api.POST('/storage-targets/{storageTargetId}/test', { params: { path: { storageTargetId: target.storageTargetId } } })).then(
        () => null,
        (error: unknown) => error,
      );
      return { target, test };
    },
    onSuccess: async () => {
      setDraft(EMPTY);
      await queryClient.invalidateQueries({ queryKey: ['storage-targets'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const text = (field: 'name' | 'bucket' | 'region' | 'endpoint' | 'prefix' | 'accessKeyId', label: string, placeholder: string, required = false) => (
    <label>
      {label} <input value={draft[field] ?? ''} onChange={(event) => set(field, event.target.value)} placeholder={placeholder} required={required} />
    </label>
  );
  return (
    <form onSubmit={submit} className="stack" aria-label="Add a storage target">
      <h3>Add an S3-compatible target</h3>
      <div className="inline-form">
        {text('name', 'Name', 'offsite-s3', true)}
        {text('bucket', 'Bucket', 'db-backups', true)}
        {text('region', 'Region', 'us-east-1')}
        {text('endpoint', 'Endpoint', 'https://minio.internal:9000 (empty: AWS)')}
        {text('prefix', 'Prefix', 'prod/')}
        <label className="check">
          <input type="checkbox" checked={draft.forcePathStyle ?? false} onChange={(event) => set('forcePathStyle', event.target.checked)} /> path-style
          (MinIO, Ceph)
        </label>
      </div>
      <div className="inline-form">
        {text('accessKeyId', 'Access key ID', 'AKIA…', true)}
        <label>
          Secret access key{' '}
          <input type="password" value={draft.secretAccessKey} onChange={(event) => set('secretAccessKey', event.target.value)} required autoComplete="new-password" />
        </label>
      </div>
      <ErrorMessage error={create.error} />
      {create.data && (
        <p role="status" className={create.data.test ? 'warn' : undefined}>
          Added {create.data.target.name}: {create.data.test ? `the test failed (${messageOf(create.data.test)})` : 'tested, reachable.'}
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding and testing…' : 'Add and test'}
        </button>
      </div>
    </form>
  );
}
