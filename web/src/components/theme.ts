export type Theme = 'light' | 'dark' | 'system';
const STORAGE_KEY = 'dbbackup.theme';

export function storedTheme(): Theme {
  const value = window.localStorage.getItem(STORAGE_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** `system` follows prefers-color-scheme (the CSS default); the others force it through data-theme. */
export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    delete document.documentElement.dataset.theme;
    window.localStorage.removeItem(STORAGE_KEY);
  } else {
    document.documentElement.dataset.theme = theme;
    window.localStorage.setItem(STORAGE_KEY, theme);
  }
}
