import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createHashRouter, Navigate, RouterProvider } from 'react-router';
import { type Session, SessionProvider, useSessionContext } from './auth/session';
import { Layout } from './components/layout';
import { BackupsPage } from './pages/backups/backups-page';
import { DatabasePage } from './pages/database/database-page';
import { DrillsPage } from './pages/drills/drills-page';
import { OverviewPage } from './pages/overview/overview-page';
import { RestorePage } from './pages/restores/restore-page';
import { RestoresPage } from './pages/restores/restores-page';
import { SettingsPage } from './pages/settings/settings-page';
import { SignInPage } from './pages/sign-in/sign-in-page';

/**
 * Hash routes (#/databases/12): the API owns every real path (/databases/12 is JSON), so the console's own
 * addresses never reach it and need no server-side fallback.
 */
function createRouter() {
  return createHashRouter([
    {
      element: <Layout />,
      children: [
        { index: true, element: <OverviewPage /> },
        { path: 'databases/:databaseId', element: <DatabasePage /> },
        { path: 'backups', element: <BackupsPage /> },
        { path: 'restores', element: <RestoresPage /> },
        { path: 'restores/:restoreId', element: <RestorePage /> },
        { path: 'drills', element: <DrillsPage /> },
        { path: 'settings', element: <SettingsPage /> },
        { path: '*', element: <Navigate to="/" replace /> },
      ],
    },
  ]);
}

/** Mounted once per key (keyed by it): a new router and a new query cache, so nothing one key fetched shows for the next. */
function SignedIn() {
  const [router] = useState(createRouter);
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 1_000, refetchOnWindowFocus: true } } }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}

function Routes() {
  const { session } = useSessionContext();
  return session ? <SignedIn key={session.key} /> : <SignInPage />;
}

export function App({ initial }: { initial: Session | null }) {
  return (
    <SessionProvider initial={initial}>
      <Routes />
    </SessionProvider>
  );
}
