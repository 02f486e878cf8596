import { useMutation, useQuery } from '@tanstack/react-query';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading } from '../../components/error-message';

export function StorageTargetsSection() {
  const { api } = useSession();
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
            <li key={target.storageTargetId}>
              <strong>{target.name}</strong> <span className="muted">{target.kind}</span> <code>{[target.endpoint, target.bucket, target.prefix].filter(Boolean).join(' / ')}</code>{' '}
              <TargetTest storageTargetId={target.storageTargetId} />
            </li>
          ))}
          {targets.data?.length === 0 && <li className="muted">None registered.</li>}
        </ul>
      )}
    </section>
  );
}

function TargetTest({ storageTargetId }: { storageTargetId: string }) {
  const { api } = useSession();
  const test = useMutation({ mutationFn: () => unwrap(api.POST('/storage-targets/{storageTargetId}/test', { params: { path: { storageTargetId } } })) });
  return (
    <>
      <button type="button" className="small" onClick={() => test.mutate()} disabled={test.isPending}>
        Test
      </button>{' '}
      {test.isSuccess && <span role="status">reachable</span>}
      <ErrorMessage error={test.error} />
    </>
  );
}
