import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { percentDone, progressText } from '../lib/progress';
import { BackupsPage } from '../pages/backups/backups-page';
import { RestoresPage } from '../pages/restores/restores-page';
import { json, Providers, testSession } from '../test-support';
import { WorkProgress } from './work-progress';

const MiB = 1024 * 1024;

describe('progress words and percent', () => {
  it('names the phase and the bytes, against a total or an estimate', () => {
    expect(progressText('restoring', 12 * MiB, 30 * MiB)).toBe('restoring · 12 MiB of 30 MiB');
    expect(progressText('dumping', 12 * MiB, 30 * MiB, true)).toBe('dumping · 12 MiB (last backup 30 MiB)');
    expect(progressText('connecting', 0, null, true)).toBe('connecting · 0 B');
  });

  it('is capped at 99 % while running, unknown without a total', () => {
    expect(percentDone(15, 60)).toBe(25);
    expect(percentDone(90, 60)).toBe(99);
    expect(percentDone(5, null)).toBeNull();
    expect(percentDone(5, 0)).toBeNull();
  });
});

describe('WorkProgress', () => {
  it('is indeterminate while queued or without a total, determinate with one', () => {
    const { rerender } = render(<WorkProgress label="Backup 3 progress" progress={null} />);
    expect(screen.getByRole('progressbar', { name: 'Backup 3 progress' }).hasAttribute('value')).toBe(false);
    rerender(<WorkProgress label="Backup 3 progress" progress={{ phase: 'dumping', bytes: 2048 }} />);
    expect(screen.getByRole('progressbar').hasAttribute('value')).toBe(false);
    expect(screen.getByText('dumping · 2.0 KiB')).toBeTruthy();
    rerender(<WorkProgress label="Backup 3 progress" progress={{ phase: 'dumping', bytes: 2048 }} total={8192} estimate />);
    const bar = screen.getByRole('progressbar') as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([25, 100]);
    expect(bar.getAttribute('aria-valuetext')).toBe('dumping · 2.0 KiB (last backup 8.0 KiB)');
  });
});

/** A stub API answering by path (and `?status=` for the backups list). */
function stubApi(answers: Record<string, unknown>) {
  const fetch = vi.fn(async (request: Request) => {
    const { pathname } = new URL(request.url);
    return pathname in answers ? json(200, answers[pathname]) : json(404, { error: `no stub for ${pathname}` });
  });
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

const summary = (backupId: string, status: string, databaseId = '7') => ({
  backupId,
  databaseId,
  databaseName: 'shop',
  status,
  timestamp: '2026-01-01T00:00:00Z',
  trigger: 'manual',
});

describe('live progress on the lists', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('the backups list shows a running backup’s bytes against its database’s last backup, and fetches no finished backup', async () => {
    const fetch = stubApi({
      '/databases': [],
      '/backups': [summary('12', 'running'), summary('11', 'queued'), summary('10', 'success')],
      '/backups/12': { ...summary('12', 'running'), progress: { phase: 'dumping', bytesWritten: 3 * MiB } },
      '/backups/11': { ...summary('11', 'queued'), progress: null },
      '/overview': [{ databaseId: '7', lastSuccess: { sizeBytes: 12 * MiB } }],
    });
    render(
      <Providers session={testSession(['read'])}>
        <BackupsPage />
      </Providers>,
    );
    const bar = (await screen.findByRole('progressbar', { name: 'Backup 12 progress' })) as HTMLProgressElement;
    await screen.findByText('dumping · 3.0 MiB (last backup 12 MiB)');
    expect(bar.value).toBe(25);
    const queued = screen.getByRole('progressbar', { name: 'Backup 11 progress' });
    expect(queued.hasAttribute('value')).toBe(false);
    const success = document.querySelector('tr[data-backup="10"]') as HTMLElement;
    expect(within(success).queryByRole('progressbar')).toBeNull();
    const paths = fetch.mock.calls.map(([request]) => new URL(request.url).pathname);
    expect(paths).not.toContain('/backups/10');
  });

  it('the restores list shows a running restore’s phase and bytes read against its backup’s size', async () => {
    const restore = (restoreId: string, status: string, progress: unknown) => ({
      restoreId,
      backupId: '4',
      sourceDatabaseId: '7',
      targetDatabaseId: '8',
      status,
      timestamp: '2026-01-01T00:00:00Z',
      progress,
    });
    stubApi({
      '/restores': [restore('3', 'running', { phase: 'restoring', bytesRead: 5 * MiB }), restore('2', 'success', null)],
      '/backups/4': { ...summary('4', 'success'), sizeBytes: 10 * MiB },
    });
    render(
      <Providers session={testSession(['read'])}>
        <RestoresPage />
      </Providers>,
    );
    await screen.findByText('restoring · 5.0 MiB of 10 MiB');
    const bar = screen.getByRole('progressbar', { name: 'Restore 3 progress' }) as HTMLProgressElement;
    expect(bar.value).toBe(50);
    expect(screen.getAllByRole('progressbar')).toHaveLength(1);
  });
});
