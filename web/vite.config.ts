import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/** In development (`npm run dev -w web`), API calls go to the API on port 3000; in production the API serves these files. */
const API = process.env.CONSOLE_DEV_API ?? 'http://127.0.0.1:3000';
const API_PATHS = ['/api-keys', '/backups', '/databases', '/drills', '/health', '/overview', '/restores', '/sandboxes', '/storage-targets', '/webhooks'];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script or style may be emitted: the API's Content-Security-Policy allows files from its origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy: Object.fromEntries(API_PATHS.map((path) => [path, API])) },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
