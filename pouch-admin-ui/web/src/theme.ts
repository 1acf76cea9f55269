import { signal } from '@preact/signals';

export type Theme = 'light' | 'dark';

function initial(): Theme {
  const saved = localStorage.getItem('pouch.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const theme = signal<Theme>(initial());

export function applyTheme(value: Theme) {
  theme.value = value;
  localStorage.setItem('pouch.theme', value);
  document.documentElement.setAttribute('data-theme', value);
}

document.documentElement.setAttribute('data-theme', theme.value);
