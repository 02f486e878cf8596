import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { openSession, type Session, storedKey } from './auth/session';
import { applyTheme, storedTheme } from './components/theme';
import './styles.css';

applyTheme(storedTheme());

/** A key kept in this tab's session storage is checked again (it may have been revoked) before anything shows. */
async function resumeSession(): Promise<Session | null> {
  const key = storedKey();
  if (!key) return null;
  return openSession(key).catch(() => {
    window.sessionStorage.clear();
    return null;
  });
}

const root = createRoot(document.getElementById('root')!);
void resumeSession().then((session) =>
  root.render(
    <StrictMode>
      <App initial={session} />
    </StrictMode>,
  ),
);
