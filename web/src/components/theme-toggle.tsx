import { useState } from 'react';
import { applyTheme, storedTheme, type Theme } from './theme';

const NEXT: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const change = () => {
    const next = NEXT[theme];
    applyTheme(next);
    setTheme(next);
  };
  return (
    <button type="button" className="small ghost" onClick={change} title="Light, dark, or as the system says">
      Theme: {theme}
    </button>
  );
}
