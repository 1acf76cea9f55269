import { useState } from 'preact/hooks';
import { ApiError, PouchApi } from '../../api/client';
import { logIn, loginNotice } from './session';

/** Asks for the admin token and checks it against the API before keeping it. */
export function LoginPage() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const candidate = value.trim();
    if (!candidate) {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await new PouchApi({ token: () => candidate }).listKeys();
      logIn(candidate);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'This admin token is not valid.'
          : (failure as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="flex min-h-screen items-center justify-center p-4">
      <form class="card bg-base-100 w-full max-w-md shadow-xl" onSubmit={submit} aria-labelledby="login-title">
        <div class="card-body gap-4">
          <h1 id="login-title" class="card-title text-2xl">
            Pouch admin
          </h1>
          <p class="text-sm opacity-80">
            Log in with the admin token that Pouch printed at its first start (or the one set in{' '}
            <code>POUCH_ADMIN_TOKEN</code>). It is kept in this tab only.
          </p>
          {loginNotice.value && (
            <div role="status" class="alert alert-warning text-sm">
              {loginNotice.value}
            </div>
          )}
          <div class="flex flex-col gap-1">
            <label for="admin-token" class="text-sm font-medium">
              Admin token
            </label>
            <input
              id="admin-token"
              type="password"
              autocomplete="current-password"
              class={`input input-bordered w-full ${error ? 'input-error' : ''}`}
              value={value}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'admin-token-error' : undefined}
              onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
              autoFocus
            />
            {error && (
              <span id="admin-token-error" role="alert" class="text-error text-sm">
                {error}
              </span>
            )}
          </div>
          <button class="btn btn-primary" type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Log in'}
          </button>
        </div>
      </form>
    </main>
  );
}
