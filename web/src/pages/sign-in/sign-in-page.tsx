import { type FormEvent, useState } from 'react';
import { useSessionContext } from '../../auth/session';
import { ErrorMessage } from '../../components/error-message';
import { ThemeToggle } from '../../components/theme-toggle';

export function SignInPage() {
  const { signIn, ended } = useSessionContext();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Backups console</h1>
        <p className="muted">Sign in with an API key. It stays in this browser tab only, and the console shows only what its scopes allow.</p>
        {ended && (
          <p className="notice" role="status">
            {ended}
          </p>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="dbb_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
          autoFocus
        />
        <ErrorMessage error={error} />
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !key.trim()}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <ThemeToggle />
        </div>
      </form>
    </main>
  );
}
