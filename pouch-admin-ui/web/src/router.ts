import { signal } from '@preact/signals';
import { pathOf, routeOf, type Page } from './routes';

export type { Page } from './routes';

const initial = routeOf(location.pathname);
export const page = signal<Page>(initial.page);
/** The key shown on the key page. */
export const keyId = signal<string | null>(initial.keyId);

export function navigate(to: Page, id: string | null = null) {
  const path = pathOf(to, id);
  if (location.pathname !== path) history.pushState(null, '', path);
  keyId.value = to === 'key' ? id : null;
  page.value = to;
}

addEventListener('popstate', () => {
  const route = routeOf(location.pathname);
  keyId.value = route.keyId;
  page.value = route.page;
});
