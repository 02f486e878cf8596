import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { SCOPE_DESCRIPTIONS, SCOPES, type Scope } from '../../auth/scopes';
import { useSession } from '../../auth/session';
import { CopyButton } from '../../components/copy-button';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatTime } from '../../lib/format';

export function ApiKeysSection() {
  const { api, identity } = useSession();
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => unwrap(api.GET('/api-keys')) });
  const [created, setCreated] = useState<Schemas['CreatedApiKeyDto'] | null>(null);
  const revoke = useMutation({
    mutationFn: (apiKeyId: string) => unwrap(api.DELETE('/api-keys/{apiKeyId}', { params: { path: { apiKeyId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });

  return (
    <section aria-labelledby="keys-title" className="stack">
      <h2 id="keys-title">API keys</h2>
      <CreateKeyForm onCreated={setCreated} />
      {created && (
        <div className="notice" role="status">
          <p>
            Key <strong>{created.name}</strong> created. Copy it now: it is shown this once.
          </p>
          <p className="row">
            <code className="secret" data-testid="new-api-key">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy key" />
            <button type="button" className="small" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}
      <ErrorMessage error={keys.error ?? revoke.error} />
      {keys.isPending ? (
        <Loading what="API keys" />
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((key) => (
              <tr key={key.apiKeyId} data-api-key={key.name}>
                <td data-label="Name">{key.name}</td>
                <td data-label="Prefix">
                  <code>{key.prefix}…</code>
                </td>
                <td data-label="Scopes">{key.scopes.join(', ')}</td>
                <td data-label="Created">{formatTime(key.createdAt)}</td>
                <td data-label="Actions">
                  {key.apiKeyId === identity.apiKeyId ? (
                    <span className="muted">this session</span>
                  ) : (
                    <button
                      type="button"
                      className="small danger"
                      disabled={revoke.isPending}
                      onClick={() => window.confirm(`Revoke the key "${key.name}"? Anything using it gets 401 at once.`) && revoke.mutate(key.apiKeyId)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(key: Schemas['CreatedApiKeyDto']): void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api-keys', { body: { name, scopes } })),
    onSuccess: async (key) => {
      onCreated(key);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const toggle = (scope: Scope, on: boolean) => setScopes(on ? [...scopes, scope] : scopes.filter((item) => item !== scope));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Create an API key">
      <label>
        Name <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} placeholder="nightly-ci" />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="check">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} /> <strong>{scope}</strong>{' '}
            <span className="muted">{SCOPE_DESCRIPTIONS[scope]}</span>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={create.error} />
      <div>
        <button type="submit" className="primary" disabled={create.isPending || !scopes.length}>
          Create key
        </button>
      </div>
    </form>
  );
}
