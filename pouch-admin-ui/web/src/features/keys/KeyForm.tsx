import { useState } from 'preact/hooks';
import { ApiError, type CreatedKey, type KeyView, type Plugins } from '../../api/client';
import { Dialog } from '../../ui/dialog';
import { FieldError, MoneyInput, PERIODS, formatPeriod } from '../../ui/parts';
import { configToForm, SchemaForm, type FieldErrors } from '../../ui/schemaForm';
import { api } from '../login/session';
import { blankDraft, bodyOf, draftOf, errorsUnder, newMiddleware, pluginById, type KeyDraft } from './keyDraft';


interface KeyFormProps {
  plugins: Plugins;
  /** The key to edit; none to create one. */
  editing?: KeyView;
  onClose: () => void;
  onCreated: (key: CreatedKey) => void;
  onSaved: (key: KeyView) => void;
}

/** The one form for creating and editing a key; provider and middleware configs follow their schemas. */
export function KeyForm({ plugins, editing, onClose, onCreated, onSaved }: KeyFormProps) {
  const [draft, setDraft] = useState<KeyDraft>(() => (editing ? draftOf(editing, plugins) : blankDraft(plugins)));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [toAdd, setToAdd] = useState(plugins.middlewares[0]?.id ?? '');

  const update = (patch: Partial<KeyDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const provider = pluginById(plugins.providers, draft.providerId);

  const submit = async (e: Event) => {
    e.preventDefault();
    const { body, errors: found } = bodyOf(draft, plugins);
    setErrors(found);
    setGeneral(null);
    if (!body) {
      focusFirstError();
      return;
    }
    setBusy(true);
    try {
      if (editing) onSaved(await api.updateKey(editing.id, body));
      else onCreated(await api.createKey(body));
    } catch (failure) {
      if (failure instanceof ApiError && failure.param && isFormField(failure.param, draft)) {
        setErrors({ [failure.param]: failure.message });
        focusFirstError();
      } else {
        setGeneral((failure as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  const moveMiddleware = (index: number, by: number) => {
    const list = [...draft.middlewares];
    const [item] = list.splice(index, 1);
    list.splice(index + by, 0, item);
    update({ middlewares: list });
    setErrors({});
  };

  const periods = PERIODS.includes(Number(draft.resetPeriodSeconds))
    ? PERIODS
    : [...PERIODS, Number(draft.resetPeriodSeconds)];

  return (
    <Dialog title={editing ? `Edit key ${editing.name}` : 'Create a key'} onClose={onClose} wide testId="key-form">
      <form onSubmit={submit} noValidate class="flex flex-col gap-5">
        {general && (
          <div role="alert" class="alert alert-error text-sm">
            {general}
          </div>
        )}
        <section class="grid gap-3 sm:grid-cols-2">
          <div class="flex flex-col gap-1">
            <label for="key-name" class="text-sm font-medium">
              Name
            </label>
            <input
              id="key-name"
              class={`input input-bordered w-full ${errors.name ? 'input-error' : ''}`}
              value={draft.name}
              data-autofocus
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? 'key-name-error' : undefined}
              onInput={(e) => update({ name: (e.currentTarget as HTMLInputElement).value })}
            />
            <FieldError id="key-name" error={errors.name} />
          </div>
          <div class="flex flex-col gap-1">
            <label for="key-provider" class="text-sm font-medium">
              Provider
            </label>
            <select
              id="key-provider"
              class="select select-bordered w-full"
              value={draft.providerId}
              aria-describedby={errors['provider.id'] ? 'key-provider-error' : undefined}
              onChange={(e) => {
                const id = (e.currentTarget as HTMLSelectElement).value;
                const next = pluginById(plugins.providers, id);
                update({
                  providerId: id,
                  providerValues: next ? configToForm(next.schema, null).values : {},
                  providerStoredSecrets: [],
                });
              }}
            >
              {plugins.providers.map((p) => (
                <option value={p.id}>{p.display_name || p.id}</option>
              ))}
            </select>
            <FieldError id="key-provider" error={errors['provider.id']} />
          </div>
        </section>

        <fieldset class="fieldset border-base-300 rounded-box border p-3">
          <legend class="fieldset-legend">Provider settings{provider ? ` — ${provider.display_name || provider.id}` : ''}</legend>
          {provider?.description && <p class="mb-2 text-xs opacity-70">{provider.description}</p>}
          {provider && (
            <SchemaForm
              schema={provider.schema}
              values={draft.providerValues}
              storedSecrets={draft.providerStoredSecrets}
              errors={errorsUnder(errors, 'provider.config.')}
              idPrefix="provider"
              onChange={(name, value) => update({ providerValues: { ...draft.providerValues, [name]: value } })}
            />
          )}
        </fieldset>

        <section class="grid gap-3 sm:grid-cols-2">
          <div class="flex flex-col gap-1">
            <label for="key-budget" class="text-sm font-medium">
              Budget per period (USD)
            </label>
            <MoneyInput
              id="key-budget"
              value={draft.budgetDollars}
              placeholder="empty = unlimited"
              error={errors.budget_limit_micros}
              onInput={(v) => update({ budgetDollars: v })}
            />
            <FieldError id="key-budget" error={errors.budget_limit_micros} />
          </div>
          <div class="flex flex-col gap-1">
            <label for="key-period" class="text-sm font-medium">
              Budget resets
            </label>
            <select
              id="key-period"
              class="select select-bordered w-full"
              value={draft.resetPeriodSeconds}
              onChange={(e) => update({ resetPeriodSeconds: (e.currentTarget as HTMLSelectElement).value })}
            >
              {periods.map((p) => (
                <option value={String(p)}>{formatPeriod(p)}</option>
              ))}
            </select>
            <FieldError id="key-period" error={errors.reset_period_seconds} />
          </div>
          <div class="flex flex-col gap-1">
            <label for="key-expires" class="text-sm font-medium">
              Expires (your local time; empty = never)
            </label>
            <input
              id="key-expires"
              type="datetime-local"
              class={`input input-bordered w-full ${errors.expires_at ? 'input-error' : ''}`}
              value={draft.expiresAt}
              onInput={(e) => update({ expiresAt: (e.currentTarget as HTMLInputElement).value })}
            />
            <FieldError id="key-expires" error={errors.expires_at} />
          </div>
          <div class="flex flex-col justify-center gap-1">
            <label class="flex cursor-pointer items-center gap-3" for="key-auto-renew">
              <input
                id="key-auto-renew"
                type="checkbox"
                class="toggle toggle-primary"
                checked={draft.autoRenew}
                onChange={(e) => update({ autoRenew: (e.currentTarget as HTMLInputElement).checked })}
              />
              <span class="text-sm font-medium">Renew automatically when it expires</span>
            </label>
            <FieldError id="key-auto-renew" error={errors.auto_renew} />
          </div>
          <div class="flex flex-col gap-1 sm:col-span-2">
            <label for="key-models" class="text-sm font-medium">
              Allowed models (comma-separated; empty = all)
            </label>
            <input
              id="key-models"
              class={`input input-bordered w-full ${errors.allowed_models ? 'input-error' : ''}`}
              value={draft.allowedModels}
              placeholder="gpt-4o-mini, gpt-4.1"
              onInput={(e) => update({ allowedModels: (e.currentTarget as HTMLInputElement).value })}
            />
            <FieldError id="key-models" error={errors.allowed_models} />
          </div>
        </section>

        <fieldset class="fieldset border-base-300 rounded-box border p-3">
          <legend class="fieldset-legend">Middlewares (run in this order)</legend>
          {draft.middlewares.length === 0 && <p class="text-sm opacity-70">None: requests go straight to the budget check.</p>}
          <ol class="flex flex-col gap-3">
            {draft.middlewares.map((m, i) => {
              const plugin = pluginById(plugins.middlewares, m.id);
              const name = plugin?.display_name || m.id;
              return (
                <li key={m.uid} class="bg-base-200 rounded-box p-3" data-testid="middleware" data-middleware-id={m.id}>
                  <div class="mb-2 flex flex-wrap items-center gap-2">
                    <span class="font-medium">
                      {i + 1}. {name}
                    </span>
                    <span class="badge badge-sm badge-outline font-mono">{m.id}</span>
                    <span class="flex-1" />
                    <button type="button" class="btn btn-xs" disabled={i === 0} aria-label={`Move ${name} up`} onClick={() => moveMiddleware(i, -1)}>
                      ↑
                    </button>
                    <button
                      type="button"
                      class="btn btn-xs"
                      disabled={i === draft.middlewares.length - 1}
                      aria-label={`Move ${name} down`}
                      onClick={() => moveMiddleware(i, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      class="btn btn-xs btn-error btn-outline"
                      aria-label={`Remove ${name}`}
                      onClick={() => {
                        update({ middlewares: draft.middlewares.filter((x) => x.uid !== m.uid) });
                        setErrors({});
                      }}
                    >
                      Remove
                    </button>
                  </div>
                  <SchemaForm
                    schema={plugin?.schema ?? { fields: [] }}
                    values={m.values}
                    storedSecrets={m.storedSecrets}
                    errors={errorsUnder(errors, `middlewares[${i}].config.`)}
                    idPrefix={`mw-${m.uid}`}
                    onChange={(field, value) =>
                      update({
                        middlewares: draft.middlewares.map((x) => (x.uid === m.uid ? { ...x, values: { ...x.values, [field]: value } } : x)),
                      })
                    }
                  />
                  <FieldError id={`mw-${m.uid}-id`} error={errors[`middlewares[${i}].id`]} />
                </li>
              );
            })}
          </ol>
          {plugins.middlewares.length > 0 && (
            <div class="mt-3 flex flex-wrap items-end gap-2">
              <div class="flex flex-col gap-1">
                <label for="add-middleware" class="text-sm font-medium">
                  Add a middleware
                </label>
                <select
                  id="add-middleware"
                  class="select select-bordered select-sm"
                  value={toAdd}
                  onChange={(e) => setToAdd((e.currentTarget as HTMLSelectElement).value)}
                >
                  {plugins.middlewares.map((p) => (
                    <option value={p.id}>{p.display_name || p.id}</option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                class="btn btn-sm"
                onClick={() => {
                  const plugin = pluginById(plugins.middlewares, toAdd);
                  if (plugin) update({ middlewares: [...draft.middlewares, newMiddleware(plugin)] });
                }}
              >
                Add
              </button>
            </div>
          )}
        </fieldset>

        <div class="modal-action">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Create key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Whether an API error's `param` names a field this form shows next to an input. */
function isFormField(param: string, draft: KeyDraft): boolean {
  if (['name', 'provider.id', 'budget_limit_micros', 'reset_period_seconds', 'expires_at', 'auto_renew', 'allowed_models'].includes(param)) {
    return true;
  }
  if (param.startsWith('provider.config.')) return param.slice('provider.config.'.length) in draft.providerValues;
  const match = /^middlewares\[(\d+)\]\.(config\.(.+)|id)$/.exec(param);
  if (!match) return false;
  const middleware = draft.middlewares[Number(match[1])];
  if (!middleware) return false;
  return match[2] === 'id' || match[3] in middleware.values;
}

function focusFirstError() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="key-form"] [aria-invalid="true"]')?.focus());
}
