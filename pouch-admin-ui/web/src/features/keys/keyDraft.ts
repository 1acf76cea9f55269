import type { KeyBody, KeyView, PluginInfo, Plugins } from '../../api/client';
import { dollarsToMicros, microsToDollarInput } from '../../ui/money';
import { configToForm, formToConfig, type FieldErrors, type FormValues } from '../../ui/schemaForm';

/** One middleware of the form, with a stable id for list rendering while it is reordered. */
export interface MiddlewareDraft {
  uid: number;
  id: string;
  values: FormValues;
  storedSecrets: string[];
}

/** What the create/edit form holds: text as typed, converted only on submit. */
export interface KeyDraft {
  name: string;
  providerId: string;
  providerValues: FormValues;
  providerStoredSecrets: string[];
  middlewares: MiddlewareDraft[];
  budgetDollars: string;
  resetPeriodSeconds: string;
  expiresAt: string;
  autoRenew: boolean;
  allowedModels: string;
}

let nextUid = 1;

export function emptySchema() {
  return { fields: [] };
}

export function pluginById(list: PluginInfo[], id: string): PluginInfo | undefined {
  return list.find((p) => p.id === id);
}

export function newMiddleware(plugin: PluginInfo): MiddlewareDraft {
  const { values, storedSecrets } = configToForm(plugin.schema, null);
  return { uid: nextUid++, id: plugin.id, values, storedSecrets };
}

/** The form for a new key: the first provider (mock when present), no budget, no middleware. */
export function blankDraft(plugins: Plugins): KeyDraft {
  const provider = pluginById(plugins.providers, 'mock') ?? plugins.providers[0];
  return {
    name: '',
    providerId: provider?.id ?? '',
    providerValues: provider ? configToForm(provider.schema, null).values : {},
    providerStoredSecrets: [],
    middlewares: [],
    budgetDollars: '',
    resetPeriodSeconds: '2592000',
    expiresAt: '',
    autoRenew: false,
    allowedModels: '',
  };
}

/** The form for editing a key from its view (secrets stay on the server). */
export function draftOf(key: KeyView, plugins: Plugins): KeyDraft {
  const provider = pluginById(plugins.providers, key.provider.id);
  const providerForm = configToForm(provider?.schema ?? emptySchema(), key.provider.config);
  return {
    name: key.name,
    providerId: key.provider.id,
    providerValues: providerForm.values,
    providerStoredSecrets: providerForm.storedSecrets,
    middlewares: key.middlewares.map((m) => {
      const form = configToForm(pluginById(plugins.middlewares, m.id)?.schema ?? emptySchema(), m.config);
      return { uid: nextUid++, id: m.id, values: form.values, storedSecrets: form.storedSecrets };
    }),
    budgetDollars: key.budget.limit_micros > 0 ? microsToDollarInput(key.budget.limit_micros) : '',
    resetPeriodSeconds: String(key.budget.reset_period_seconds),
    expiresAt: key.expires_at ? toLocalInput(key.expires_at) : '',
    autoRenew: key.auto_renew,
    allowedModels: key.allowed_models.join(', '),
  };
}

/**
 * The API body of a draft, or the errors found before sending it, by the same field paths the
 * API names in an error's `param` (`provider.config.x`, `middlewares[1].config.y`).
 */
export function bodyOf(draft: KeyDraft, plugins: Plugins): { body: KeyBody | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!draft.name.trim()) errors.name = 'Give the key a name.';
  const provider = pluginById(plugins.providers, draft.providerId);
  if (!provider) errors['provider.id'] = 'Choose a provider.';
  const providerConfig = formToConfig(provider?.schema ?? emptySchema(), draft.providerValues);
  for (const [field, message] of Object.entries(providerConfig.errors)) {
    errors[`provider.config.${field}`] = message;
  }
  const middlewares = draft.middlewares.map((m, i) => {
    const converted = formToConfig(pluginById(plugins.middlewares, m.id)?.schema ?? emptySchema(), m.values);
    for (const [field, message] of Object.entries(converted.errors)) {
      errors[`middlewares[${i}].config.${field}`] = message;
    }
    return { id: m.id, config: converted.config };
  });
  let budget = 0;
  if (draft.budgetDollars.trim()) {
    const parsed = dollarsToMicros(draft.budgetDollars);
    if (parsed.ok) budget = parsed.micros;
    else errors.budget_limit_micros = parsed.error;
  }
  let expiresAt: string | null = null;
  if (draft.expiresAt) {
    const date = new Date(draft.expiresAt);
    if (Number.isNaN(date.getTime())) errors.expires_at = 'Enter a date and time.';
    else expiresAt = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const period = Number(draft.resetPeriodSeconds || '0');
  if (!Number.isSafeInteger(period) || period < 0) errors.reset_period_seconds = 'Choose a reset period.';
  if (Object.keys(errors).length > 0) return { body: null, errors };
  return {
    body: {
      name: draft.name.trim(),
      provider: { id: draft.providerId, config: providerConfig.config },
      middlewares,
      allowed_models: draft.allowedModels
        .split(/[,\s]+/)
        .map((m) => m.trim())
        .filter(Boolean),
      budget_limit_micros: budget,
      reset_period_seconds: period,
      expires_at: expiresAt,
      auto_renew: draft.autoRenew,
    },
    errors,
  };
}

/** Errors whose path starts with `prefix`, keyed by the rest of the path. */
export function errorsUnder(errors: FieldErrors, prefix: string): FieldErrors {
  const result: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    if (path.startsWith(prefix)) result[path.slice(prefix.length)] = message;
  }
  return result;
}

/** The value of a `datetime-local` input (local time) for an ISO instant. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
