const TONES: Record<string, string> = {
  success: 'good',
  ok: 'good',
  passed: 'good',
  fresh: 'good',
  queued: 'info',
  running: 'info',
  warning: 'warn',
  late: 'warn',
  never: 'muted',
  none: 'muted',
  failed: 'bad',
  missed: 'bad',
  cancelled: 'muted',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span className={`badge tone-${TONES[value] ?? 'muted'}`}>{label ?? value}</span>;
}
