import { signal } from '@preact/signals';

/** The app's pages; each has its own path so a reload or a link lands on it. */
export type Page = 'keys' | 'usage' | 'logs' | 'reconciliation';

function pageOf(path: string): Page {
  if (path.startsWith('/usage')) return 'usage';
  if (path.startsWith('/logs')) return 'logs';
  if (path.startsWith('/reconciliation')) return 'reconciliation';
  return 'keys';
}

export const page = signal<Page>(pageOf(location.pathname));

export function navigate(to: Page) {
  const path = to === 'keys' ? '/' : `/${to}`;
  if (location.pathname !== path) history.pushState(null, '', path);
  page.value = to;
}

addEventListener('popstate', () => {
  page.value = pageOf(location.pathname);
});
