import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, Providers, testSession } from '../../test-support';
import { CancelRestore } from './restore-page';

describe('CancelRestore', () => {
  afterEach(() => vi.unstubAllGlobals());

  function stubCancel(status: number, body: unknown) {
    const fetch = vi.fn(async (_request: Request) => json(status, body));
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }

  it('posts the cancel of this restore', async () => {
    const fetch = stubCancel(202, { restoreId: '9', status: 'failed', error: 'Cancelled by request' });
    render(
      <Providers session={testSession(['restore'])}>
        <CancelRestore restoreId="9" phase="restoring" />
      </Providers>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel restore' }));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    const request = fetch.mock.calls[0]![0];
    expect([request.method, new URL(request.url).pathname]).toEqual(['POST', '/restores/9/cancel']);
  });

  it("shows the API's error when the cancel is refused", async () => {
    stubCancel(409, { error: 'The restore is switching the restored copy in; it can no longer be cancelled' });
    render(
      <Providers session={testSession(['restore'])}>
        <CancelRestore restoreId="9" phase="checking" />
      </Providers>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel restore' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The restore is switching the restored copy in; it can no longer be cancelled');
  });

  it('offers nothing to a key without the restore scope, nor once the copy is being switched in', () => {
    const { container, rerender } = render(
      <Providers session={testSession(['read'])}>
        <CancelRestore restoreId="9" phase="restoring" />
      </Providers>,
    );
    expect(container.querySelector('button')).toBeNull();
    rerender(
      <Providers session={testSession(['restore'])}>
        <CancelRestore restoreId="9" phase="switching" />
      </Providers>,
    );
    expect(container.querySelector('button')).toBeNull();
  });
});
