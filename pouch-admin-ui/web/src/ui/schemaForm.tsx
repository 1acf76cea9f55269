import type { Config, PluginSchema, SchemaField } from '../api/client';

/** What the inputs hold: text for text-like fields, a flag for booleans. */
export type FormValues = Record<string, string | boolean>;

/** Errors by field name (already stripped of any `provider.config.` prefix). */
export type FieldErrors = Record<string, string>;

/** The value the API returns in place of a stored secret. */
export const SECRET_MASK = '********';

/**
 * A boolean without a default is three states, not two: unset (the plugin decides, e.g. by preset),
 * on or off. A checkbox could not keep an explicit "off" apart from unset, so it is a select whose
 * value is '', 'true' or 'false'.
 */
export function isTriState(field: SchemaField): boolean {
  return field.type === 'boolean' && field.default == null && !field.required;
}

/**
 * A config (as the API returns it) as form values. Secrets never reach an input: a stored one is
 * reported in `storedSecrets` and its input starts empty.
 */
export function configToForm(
  schema: PluginSchema,
  config: Config | null,
): { values: FormValues; storedSecrets: string[] } {
  const values: FormValues = {};
  const storedSecrets: string[] = [];
  for (const field of schema.fields) {
    const value = config?.[field.name];
    if (field.type === 'secret') {
      values[field.name] = '';
      if (value !== undefined && value !== null) storedSecrets.push(field.name);
    } else if (isTriState(field)) {
      values[field.name] = value === true ? 'true' : value === false ? 'false' : '';
    } else if (field.type === 'boolean') {
      values[field.name] = Boolean(value ?? field.default ?? false);
    } else {
      values[field.name] = value === undefined || value === null ? '' : String(value);
    }
  }
  return { values, storedSecrets };
}

/**
 * Form values as a config for the API. Empty optional fields are left out (the plugin's default
 * applies); an empty secret is left out, which keeps a stored secret on edit.
 */
export function formToConfig(
  schema: PluginSchema,
  values: FormValues,
): { config: Config; errors: FieldErrors } {
  const config: Config = {};
  const errors: FieldErrors = {};
  for (const field of schema.fields) {
    const raw = values[field.name];
    if (isTriState(field)) {
      if (raw === 'true' || raw === 'false') config[field.name] = raw === 'true';
      continue;
    }
    if (field.type === 'boolean') {
      const flag = Boolean(raw);
      if (flag !== Boolean(field.default ?? false) || field.required) config[field.name] = flag;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (field.required && field.type !== 'secret') errors[field.name] = `${label(field)} is required.`;
      continue;
    }
    if (field.type === 'integer') {
      if (!/^-?\d+$/.test(text)) {
        errors[field.name] = `${label(field)} must be a whole number.`;
        continue;
      }
      const n = Number(text);
      const range = outOfRange(field, n);
      if (range) errors[field.name] = range;
      else config[field.name] = n;
    } else if (field.type === 'number') {
      if (!/^-?(\d+\.?\d*|\.\d+)$/.test(text)) {
        errors[field.name] = `${label(field)} must be a number.`;
        continue;
      }
      const n = Number(text);
      const range = outOfRange(field, n);
      if (range) errors[field.name] = range;
      else config[field.name] = n;
    } else {
      config[field.name] = text;
    }
  }
  return { config, errors };
}

function outOfRange(field: SchemaField, n: number): string | null {
  if (field.min !== null && field.min !== undefined && n < field.min) {
    return `${label(field)} must be at least ${field.min}.`;
  }
  if (field.max !== null && field.max !== undefined && n > field.max) {
    return `${label(field)} must be at most ${field.max}.`;
  }
  return null;
}

export function label(field: SchemaField): string {
  return field.display_name || field.name;
}

interface SchemaFormProps {
  schema: PluginSchema;
  values: FormValues;
  onChange: (name: string, value: string | boolean) => void;
  errors?: FieldErrors;
  /** Makes ids unique when several forms share a page. */
  idPrefix: string;
  storedSecrets?: string[];
}

/**
 * One input per schema field: text (a box for JSON), number, whole number, checkbox (a three-way
 * select for a boolean without a default), select or password.
 */
export function SchemaForm({ schema, values, onChange, errors = {}, idPrefix, storedSecrets = [] }: SchemaFormProps) {
  if (schema.fields.length === 0) {
    return <p class="text-sm opacity-70">Nothing to configure.</p>;
  }
  return (
    <div class="grid gap-3 sm:grid-cols-2">
      {schema.fields.map((field) => {
        const id = `${idPrefix}-${field.name}`;
        const error = errors[field.name];
        const hintId = `${id}-hint`;
        const errorId = `${id}-error`;
        const describedBy = [field.description ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
        const common = {
          id,
          name: field.name,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': describedBy,
          'data-field-type': field.type,
        };
        const value = values[field.name];
        const checkbox = field.type === 'boolean' && !isTriState(field);
        let input;
        switch (field.type) {
          case 'boolean':
            input = isTriState(field) ? (
              <select
                {...common}
                class={`select select-bordered w-full ${error ? 'select-error' : ''}`}
                value={String(value ?? '')}
                onChange={(e) => onChange(field.name, (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">(default)</option>
                <option value="true">on</option>
                <option value="false">off</option>
              </select>
            ) : (
              <input
                {...common}
                type="checkbox"
                class="toggle toggle-primary"
                checked={Boolean(value)}
                onChange={(e) => onChange(field.name, (e.currentTarget as HTMLInputElement).checked)}
              />
            );
            break;
          case 'select':
            input = (
              <select
                {...common}
                class={`select select-bordered w-full ${error ? 'select-error' : ''}`}
                value={String(value ?? '')}
                onChange={(e) => onChange(field.name, (e.currentTarget as HTMLSelectElement).value)}
              >
                {!field.required && <option value="">(default{field.default != null ? `: ${field.default}` : ''})</option>}
                {(field.options ?? []).map((option) => (
                  <option value={option}>{option}</option>
                ))}
              </select>
            );
            break;
          case 'secret': {
            const stored = storedSecrets.includes(field.name);
            input = (
              <input
                {...common}
                type="password"
                autocomplete="new-password"
                class={`input input-bordered w-full ${error ? 'input-error' : ''}`}
                placeholder={stored ? 'Stored — leave empty to keep it' : ''}
                value={String(value ?? '')}
                onInput={(e) => onChange(field.name, (e.currentTarget as HTMLInputElement).value)}
              />
            );
            break;
          }
          default:
            input =
              field.role === 'json' ? (
                <textarea
                  {...common}
                  rows={4}
                  spellcheck={false}
                  class={`textarea textarea-bordered w-full font-mono text-xs ${error ? 'textarea-error' : ''}`}
                  placeholder={field.default != null ? String(field.default) : ''}
                  value={String(value ?? '')}
                  onInput={(e) => onChange(field.name, (e.currentTarget as HTMLTextAreaElement).value)}
                />
              ) : (
                <input
                  {...common}
                  type="text"
                  inputMode={field.type === 'integer' ? 'numeric' : field.type === 'number' ? 'decimal' : undefined}
                  class={`input input-bordered w-full ${error ? 'input-error' : ''}`}
                  placeholder={field.default != null ? String(field.default) : ''}
                  value={String(value ?? '')}
                  onInput={(e) => onChange(field.name, (e.currentTarget as HTMLInputElement).value)}
                />
              );
        }
        return (
          <div class={checkbox ? 'flex flex-col justify-center gap-1' : 'flex flex-col gap-1'}>
            {checkbox ? (
              <label class="flex cursor-pointer items-center gap-3" for={id}>
                {input}
                <span class="text-sm font-medium">{label(field)}</span>
              </label>
            ) : (
              <>
                <label class="text-sm font-medium" for={id}>
                  {label(field)}
                  {field.required && <span aria-hidden="true"> *</span>}
                </label>
                {input}
              </>
            )}
            {field.description && (
              <span id={hintId} class="text-xs opacity-70">
                {field.description}
              </span>
            )}
            {error && (
              <span id={errorId} class="text-error text-xs" role="alert">
                {error}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
