import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { CreatedKey, KeyView, Plugins } from '../../api/client';
import { ConfirmDialog, Dialog } from '../../ui/dialog';
import { BudgetBar, CopyButton, formatPeriod, formatTime, ProviderBadge, StatusBadge } from '../../ui/parts';
import { api } from '../login/session';
import { navigate } from '../../router';
import { pathOf } from '../../routes';
import { KeyForm } from './KeyForm';

export const keys = signal<KeyView[] | null>(null);
export const plugins = signal<Plugins | null>(null);
const loadError = signal<string | null>(null);

export async function loadKeys() {
  try {
    keys.value = await api.listKeys();
    loadError.value = null;
  } catch (e) {
    loadError.value = (e as Error).message;
  }
}

async function loadPlugins() {
  if (plugins.value) return;
  try {
    plugins.value = await api.plugins();
  } catch (e) {
    loadError.value = (e as Error).message;
  }
}

type Sort = 'name' | 'created' | 'spent' | 'expires';

type Modal =
  | { kind: 'create' }
  | { kind: 'edit'; key: KeyView }
  | { kind: 'secret'; key: CreatedKey }
  | { kind: 'revoke'; key: KeyView }
  | { kind: 'reset'; key: KeyView }
  | null;

export function sortKeys(list: KeyView[], sort: Sort): KeyView[] {
  const sorted = [...list];
  switch (sort) {
    case 'name':
      return sorted.sort((a, b) => a.name.localeCompare(b.name));
    case 'created':
      return sorted.sort((a, b) => b.created_at.localeCompare(a.created_at));
    case 'spent':
      return sorted.sort((a, b) => b.budget.spent_micros - a.budget.spent_micros);
    case 'expires':
      return sorted.sort((a, b) => (a.expires_at ?? '9999').localeCompare(b.expires_at ?? '9999'));
  }
}

export function KeysPage() {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort>('created');
  const [modal, setModal] = useState<Modal>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    loadKeys();
    loadPlugins();
  }, []);

  const list = keys.value;
  const q = query.trim().toLowerCase();
  const shown = list
    ? sortKeys(
        list.filter((k) => !q || k.name.toLowerCase().includes(q) || k.prefix.toLowerCase().includes(q) || k.provider.id.includes(q)),
        sort,
      )
    : [];

  const act = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await action();
      setNotice(done);
      setModal(null);
      await loadKeys();
    } catch (e) {
      setNotice((e as Error).message);
      setModal(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="keys-title" class="flex flex-col gap-4">
      <div class="flex flex-wrap items-center gap-2">
        <h1 id="keys-title" class="mr-auto text-2xl font-bold">
          Keys
        </h1>
        <button type="button" class="btn btn-sm" onClick={() => loadKeys()}>
          Refresh
        </button>
        <button type="button" class="btn btn-primary btn-sm" disabled={!plugins.value} onClick={() => setModal({ kind: 'create' })}>
          New key
        </button>
      </div>

      {notice && (
        <div role="status" class="alert alert-info text-sm">
          <span>{notice}</span>
          <button type="button" class="btn btn-xs btn-ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}
      {loadError.value && (
        <div role="alert" class="alert alert-error text-sm">
          {loadError.value}
        </div>
      )}

      {list && list.length > 0 && (
        <div class="flex flex-wrap items-end gap-3">
          <div class="flex flex-col gap-1">
            <label for="key-search" class="text-sm font-medium">
              Search
            </label>
            <input
              id="key-search"
              type="search"
              class="input input-bordered input-sm w-64"
              placeholder="name, prefix or provider"
              value={query}
              onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="flex flex-col gap-1">
            <label for="key-sort" class="text-sm font-medium">
              Sort by
            </label>
            <select id="key-sort" class="select select-bordered select-sm" value={sort} onChange={(e) => setSort((e.currentTarget as HTMLSelectElement).value as Sort)}>
              <option value="created">newest first</option>
              <option value="name">name</option>
              <option value="spent">most spent</option>
              <option value="expires">expiring soonest</option>
            </select>
          </div>
          <span class="text-sm opacity-70" aria-live="polite">
            {shown.length} of {list.length} keys
          </span>
        </div>
      )}

      {list === null && !loadError.value && <span class="loading loading-spinner" aria-label="Loading" />}

      {list && list.length === 0 && (
        <div class="card bg-base-100 shadow" data-testid="empty-state">
          <div class="card-body items-center text-center">
            <h2 class="card-title">No keys yet</h2>
            <p class="max-w-prose text-sm">
              An app key is what your applications send as their OpenAI API key. Create the first one: choose a provider (the{' '}
              <code>mock</code> provider answers without any upstream, handy to try Pouch), give it a budget, and point any OpenAI
              client at <code>{location.origin}/v1</code> with the key.
            </p>
            <button type="button" class="btn btn-primary" disabled={!plugins.value} onClick={() => setModal({ kind: 'create' })}>
              Create your first key
            </button>
          </div>
        </div>
      )}

      <ul class="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {shown.map((key) => (
          <li class="card bg-base-100 shadow" data-testid="key-card" data-key-name={key.name}>
            <div class="card-body gap-3 p-4">
              <div class="flex flex-wrap items-center gap-2">
                <h2 class="card-title mr-auto text-lg">
                  <a
                    href={pathOf('key', key.id)}
                    class="link link-hover"
                    onClick={(e) => {
                      e.preventDefault();
                      navigate('key', key.id);
                    }}
                  >
                    {key.name}
                  </a>
                </h2>
                <StatusBadge status={key.status} />
                {key.simulated && <StatusBadge status="simulation" />}
              </div>
              <div class="flex flex-wrap items-center gap-2 text-sm">
                <code class="bg-base-200 rounded px-1">{key.prefix}…</code>
                <CopyButton text={key.prefix} label="Copy prefix" />
                <ProviderBadge id={key.provider.id} />
                {key.middlewares.map((m) => (
                  <span class="badge badge-sm badge-ghost">{m.id}</span>
                ))}
              </div>
              {key.suspension && (
                <p class="text-error text-xs" data-testid="suspension">
                  Suspended {formatTime(key.suspension.at)}: {key.suspension.reason}
                </p>
              )}
              <BudgetBar limit={key.budget.limit_micros} spent={key.budget.spent_micros} reserved={key.budget.reserved_micros} />
              <dl class="grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
                <dt class="opacity-70">Resets</dt>
                <dd>{formatPeriod(key.budget.reset_period_seconds)}</dd>
                {(key.budgets?.length > 1 || key.team_id) && (
                  <>
                    <dt class="opacity-70">Layers</dt>
                    <dd data-testid="layer-count">
                      {key.budgets.length} own{key.team_id ? ' + team' : ''}
                    </dd>
                  </>
                )}
                <dt class="opacity-70">Expires</dt>
                <dd>{formatTime(key.expires_at)}</dd>
                <dt class="opacity-70">Auto-renew</dt>
                <dd>{key.auto_renew ? 'yes' : 'no'}</dd>
                <dt class="opacity-70">Models</dt>
                <dd>{key.allowed_models.length ? key.allowed_models.join(', ') : 'all'}</dd>
              </dl>
              <div class="card-actions justify-end">
                <button type="button" class="btn btn-xs" disabled={!plugins.value} onClick={() => setModal({ kind: 'edit', key })}>
                  Edit
                </button>
                {key.suspension && (
                  <button
                    type="button"
                    class="btn btn-xs btn-warning"
                    disabled={busy}
                    onClick={() => act(() => api.resumeKey(key.id), `Resumed key ${key.name}.`)}
                  >
                    Resume
                  </button>
                )}
                <button type="button" class="btn btn-xs" onClick={() => setModal({ kind: 'reset', key })}>
                  Reset budget
                </button>
                <button type="button" class="btn btn-xs btn-error btn-outline" onClick={() => setModal({ kind: 'revoke', key })}>
                  Revoke
                </button>
              </div>
            </div>
          </li>
        ))}
      </ul>

      {modal?.kind === 'create' && plugins.value && (
        <KeyForm
          plugins={plugins.value}
          onClose={() => setModal(null)}
          onCreated={(created) => {
            setModal({ kind: 'secret', key: created });
            loadKeys();
          }}
          onSaved={() => undefined}
        />
      )}
      {modal?.kind === 'edit' && plugins.value && (
        <KeyForm
          plugins={plugins.value}
          editing={modal.key}
          onClose={() => setModal(null)}
          onCreated={() => undefined}
          onSaved={(saved) => {
            setModal(null);
            setNotice(`Saved key ${saved.name}.`);
            loadKeys();
          }}
        />
      )}
      {modal?.kind === 'secret' && <NewKeyDialog created={modal.key} onClose={() => setModal(null)} />}
      {modal?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke ${modal.key.name}?`}
          message={
            <p>
              Requests with this key are refused at once. This cannot be undone; its request log stays.
            </p>
          }
          confirmLabel="Revoke key"
          danger
          busy={busy}
          onCancel={() => setModal(null)}
          onConfirm={() => act(() => api.revokeKey(modal.key.id), `Revoked key ${modal.key.name}.`)}
        />
      )}
      {modal?.kind === 'reset' && (
        <ConfirmDialog
          title={`Reset the budget of ${modal.key.name}?`}
          message={<p>Its spend for the current period goes back to zero and a new period starts now.</p>}
          confirmLabel="Reset budget"
          busy={busy}
          onCancel={() => setModal(null)}
          onConfirm={() => act(() => api.resetBudget(modal.key.id), `Reset the budget of ${modal.key.name}.`)}
        />
      )}
    </section>
  );
}

/** The secret of a new key, shown this once. */
function NewKeyDialog({ created, onClose }: { created: CreatedKey; onClose: () => void }) {
  return (
    <Dialog
      title={`Key ${created.name} created`}
      onClose={onClose}
      testId="new-key-dialog"
      actions={
        <button type="button" class="btn btn-primary" onClick={onClose}>
          I have stored it
        </button>
      }
    >
      <div role="alert" class="alert alert-warning mb-3 text-sm">
        Copy this secret now: it will not be shown again. Pouch keeps only its hash.
      </div>
      <label for="new-key-secret" class="text-sm font-medium">
        Secret
      </label>
      <div class="flex items-center gap-2">
        <input id="new-key-secret" class="input input-bordered w-full font-mono" readOnly value={created.key} data-autofocus onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        <CopyButton text={created.key} />
      </div>
    </Dialog>
  );
}
