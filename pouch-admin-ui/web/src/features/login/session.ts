import { signal } from '@preact/signals';
import { PouchApi } from '../../api/client';

const STORAGE_KEY = 'pouch.adminToken';

function stored(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The admin token of this browser tab (session storage: gone when the tab closes). */
export const token = signal<string | null>(stored());

/** Why the login screen is shown, when it was not the user's choice. */
export const loginNotice = signal<string | null>(null);

export function logIn(value: string) {
  sessionStorage.setItem(STORAGE_KEY, value);
  loginNotice.value = null;
  token.value = value;
}

export function logOut(notice: string | null = null) {
  sessionStorage.removeItem(STORAGE_KEY);
  loginNotice.value = notice;
  token.value = null;
}

/** The app's API client: a 401 ends the session and shows the login screen. */
export const api = new PouchApi({
  token: () => token.value,
  onUnauthorized: () => logOut('The admin token was refused. Log in again.'),
});
