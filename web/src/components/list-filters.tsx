/** The statuses every list of work (backups, restores, drills) filters by. */
export const WORK_STATUSES = ['queued', 'running', 'success', 'failed'] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

/** A status picker: "all" (the empty value) or one of the work statuses. */
export function StatusFilter({ value, onChange }: { value: WorkStatus | ''; onChange: (value: WorkStatus | '') => void }) {
  return (
    <label>
      Status{' '}
      <select value={value} onChange={(event) => onChange(event.target.value as WorkStatus | '')}>
        <option value="">all</option>
        {WORK_STATUSES.map((status) => (
          <option key={status}>{status}</option>
        ))}
      </select>
    </label>
  );
}

/** A database picker: "all" (the empty value) or one registered database. */
export function DatabaseFilter({
  value,
  onChange,
  databases,
}: {
  value: string;
  onChange: (databaseId: string) => void;
  databases: ReadonlyArray<{ databaseId: string; name: string }>;
}) {
  return (
    <label>
      Database{' '}
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">all</option>
        {databases.map((database) => (
          <option key={database.databaseId} value={database.databaseId}>
            {database.name}
          </option>
        ))}
      </select>
    </label>
  );
}
