import { useSession } from '../../auth/session';
import { ApiKeysSection } from './api-keys-section';
import { SandboxesSection } from './sandboxes-section';
import { StorageTargetsSection } from './storage-targets-section';
import { WebhooksSection } from './webhooks-section';

export function SettingsPage() {
  const { can } = useSession();
  if (!can('admin')) return <p className="error">Settings need an API key with the admin scope.</p>;
  return (
    <section aria-labelledby="settings-title" className="stack">
      <h1 id="settings-title">Settings</h1>
      <ApiKeysSection />
      <StorageTargetsSection />
      <WebhooksSection />
      <SandboxesSection />
    </section>
  );
}
