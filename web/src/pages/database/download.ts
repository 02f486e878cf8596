import { ApiError, errorText } from '../../api/client';

/** The file name of a Content-Disposition header, or a fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = header?.match(/filename="([^"]+)"/);
  return match?.[1] ?? fallback;
}

/**
 * Downloads a backup with the key as a bearer token (a plain link cannot send it), then hands the file to the
 * browser. The browser holds the file in memory until it is saved: fine for what people download from a console;
 * scripts should use GET /backups/:id/download directly.
 */
export async function downloadBackup(key: string, backupId: string): Promise<void> {
  const response = await fetch(`/backups/${encodeURIComponent(backupId)}/download`, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    throw new ApiError(response.status, errorText(body, response));
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = attachmentName(response.headers.get('Content-Disposition'), `backup-${backupId}`);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
