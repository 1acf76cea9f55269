import { KeyPage } from './features/keys/KeyPage';
import { KeysPage } from './features/keys/KeysPage';
import { LoginPage } from './features/login/LoginPage';
import { logOut, token } from './features/login/session';
import { RequestLogPage } from './features/logs/RequestLogPage';
import { ReconciliationPage } from './features/reconciliation/ReconciliationPage';
import { TeamsPage } from './features/teams/TeamsPage';
import { UsagePage } from './features/usage/UsagePage';
import { keyId, navigate, page, type Page } from './router';
import { pathOf } from './routes';
import { applyTheme, theme } from './theme';

const PAGES: { id: Page; label: string }[] = [
  { id: 'keys', label: 'Keys' },
  { id: 'teams', label: 'Teams' },
  { id: 'usage', label: 'Usage' },
  { id: 'logs', label: 'Request log' },
  { id: 'reconciliation', label: 'Reconciliation' },
];

export function App() {
  if (!token.value) return <LoginPage />;
  return (
    <div class="min-h-screen">
      <header class="navbar bg-base-100 gap-2 px-4 shadow-sm">
        <div class="flex-1 flex-wrap items-center gap-2">
          <span class="mr-2 text-xl font-bold">Pouch</span>
          <nav aria-label="Main">
            <ul class="menu menu-horizontal gap-1 p-0">
              {PAGES.map((p) => (
                <li>
                  <a
                    href={pathOf(p.id)}
                    class={page.value === p.id || (p.id === 'keys' && page.value === 'key') ? 'menu-active' : ''}
                    aria-current={page.value === p.id ? 'page' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(p.id);
                    }}
                  >
                    {p.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </div>
        <label class="flex cursor-pointer items-center gap-2 text-sm">
          <span>Dark</span>
          <input
            type="checkbox"
            class="toggle toggle-sm"
            checked={theme.value === 'dark'}
            onChange={(e) => applyTheme((e.currentTarget as HTMLInputElement).checked ? 'dark' : 'light')}
          />
        </label>
        <button type="button" class="btn btn-ghost btn-sm" onClick={() => logOut()}>
          Log out
        </button>
      </header>
      <main class="mx-auto max-w-7xl p-4">
        {page.value === 'keys' && <KeysPage />}
        {page.value === 'key' && keyId.value && <KeyPage keyId={keyId.value} />}
        {page.value === 'teams' && <TeamsPage />}
        {page.value === 'usage' && <UsagePage />}
        {page.value === 'logs' && <RequestLogPage />}
        {page.value === 'reconciliation' && <ReconciliationPage />}
      </main>
    </div>
  );
}
