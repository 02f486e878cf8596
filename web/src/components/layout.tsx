import { NavLink, Outlet } from 'react-router';
import { SCOPE_DESCRIPTIONS } from '../auth/scopes';
import { useSession, useSessionContext } from '../auth/session';
import { ThemeToggle } from './theme-toggle';

export function Layout() {
  const session = useSession();
  const { signOut } = useSessionContext();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Backups</span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Overview
          </NavLink>
          <NavLink to="/backups">Backups</NavLink>
          <NavLink to="/restores">Restores</NavLink>
          <NavLink to="/drills">Drills</NavLink>
          {session.can('admin') && <NavLink to="/settings">Settings</NavLink>}
        </nav>
        <div className="identity">
          <span title={session.identity.scopes.map((scope) => `${scope}: ${SCOPE_DESCRIPTIONS[scope]}`).join('\n')}>
            {session.identity.name} <span className="muted">({session.identity.scopes.join(', ')})</span>
          </span>
          <ThemeToggle />
          <button type="button" className="small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
