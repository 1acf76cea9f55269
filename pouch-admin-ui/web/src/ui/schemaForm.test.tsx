// @vitest-environment jsdom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginSchema, SchemaField } from '../api/client';
import { configToForm, formToConfig, SchemaForm, SECRET_MASK, type FormValues } from './schemaForm';

function field(name: string, type: SchemaField['type'], extra: Partial<SchemaField> = {}): SchemaField {
  return {
    name,
    type,
    display_name: name.replace(/_/g, ' '),
    description: null,
    default: null,
    options: null,
    required: false,
    min: null,
    max: null,
    role: null,
    ...extra,
  };
}

const schema: PluginSchema = {
  fields: [
    field('response_text', 'string', { description: 'What the mock answers' }),
    field('input_usd_per_mtok', 'number', { min: 0 }),
    field('limit', 'integer', { required: true, min: 1 }),
    field('ignore_max_tokens', 'boolean', { default: false }),
    field('stream_plain_requests', 'boolean'),
    field('tier', 'select', { options: ['flex', 'default'] }),
    field('api_key', 'secret'),
    field('prices', 'string', { role: 'json' }),
  ],
};

let host: HTMLElement;
afterEach(() => {
  render(null, host);
  host.remove();
});

function mount(values: FormValues, storedSecrets: string[] = [], errors = {}) {
  host = document.createElement('div');
  document.body.appendChild(host);
  const changes: [string, unknown][] = [];
  act(() => {
    render(
      <SchemaForm schema={schema} values={values} storedSecrets={storedSecrets} errors={errors} idPrefix="t" onChange={(n, v) => changes.push([n, v])} />,
      host,
    );
  });
  return changes;
}

describe('SchemaForm', () => {
  it('renders one labelled input of the right kind per field type', () => {
    const { values } = configToForm(schema, { response_text: 'hi', input_usd_per_mtok: 2.5, limit: 60, ignore_max_tokens: true, tier: 'flex', api_key: SECRET_MASK });
    mount(values, ['api_key']);

    const byName = (name: string) => host.querySelector<HTMLInputElement>(`#t-${name}`)!;
    expect(byName('response_text').type).toBe('text');
    expect(byName('response_text').value).toBe('hi');
    expect(byName('input_usd_per_mtok').inputMode).toBe('decimal');
    expect(byName('input_usd_per_mtok').value).toBe('2.5');
    expect(byName('limit').inputMode).toBe('numeric');
    expect(byName('ignore_max_tokens').type).toBe('checkbox');
    expect(byName('ignore_max_tokens').checked).toBe(true);
    const select = host.querySelector<HTMLSelectElement>('#t-tier')!;
    expect(select.tagName).toBe('SELECT');
    expect(Array.from(select.options).map((o) => o.value)).toEqual(['', 'flex', 'default']);
    expect(select.value).toBe('flex');
    const json = host.querySelector<HTMLTextAreaElement>('#t-prices')!;
    expect(json.tagName).toBe('TEXTAREA');
    for (const f of schema.fields) {
      expect(host.querySelector(`label[for="t-${f.name}"]`), f.name).not.toBeNull();
    }
  });

  it('shows a stored secret as an empty password field, never its value', () => {
    const { values, storedSecrets } = configToForm(schema, { api_key: SECRET_MASK, limit: 1 });
    mount(values, storedSecrets);
    const secret = host.querySelector<HTMLInputElement>('#t-api_key')!;
    expect(secret.type).toBe('password');
    expect(secret.value).toBe('');
    expect(secret.placeholder).toContain('leave empty to keep');
    expect(host.innerHTML).not.toContain(SECRET_MASK);
  });

  it('reports edits by field name', () => {
    const changes = mount(configToForm(schema, null).values);
    const limit = host.querySelector<HTMLInputElement>('#t-limit')!;
    limit.value = '42';
    act(() => {
      limit.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const flag = host.querySelector<HTMLInputElement>('#t-ignore_max_tokens')!;
    act(() => {
      flag.click();
    });
    const prices = host.querySelector<HTMLTextAreaElement>('#t-prices')!;
    prices.value = '[{"id": "m"}]';
    act(() => {
      prices.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(changes).toEqual([
      ['limit', '42'],
      ['ignore_max_tokens', true],
      ['prices', '[{"id": "m"}]'],
    ]);
  });

  it('shows an error next to its field and marks the input invalid', () => {
    mount(configToForm(schema, null).values, [], { limit: 'limit must be at least 1' });
    const limit = host.querySelector<HTMLInputElement>('#t-limit')!;
    expect(limit.getAttribute('aria-invalid')).toBe('true');
    const error = host.querySelector(`#${limit.getAttribute('aria-describedby')}`)!;
    expect(error.textContent).toBe('limit must be at least 1');
  });
});

describe('a boolean without a default', () => {
  it('is a three-way select that keeps an explicit off apart from unset', () => {
    mount(configToForm(schema, { limit: 1, stream_plain_requests: false }).values);
    const select = host.querySelector<HTMLSelectElement>('#t-stream_plain_requests')!;
    expect(select.tagName).toBe('SELECT');
    expect(Array.from(select.options).map((o) => o.value)).toEqual(['', 'true', 'false']);
    expect(select.value).toBe('false');
    expect(configToForm(schema, { limit: 1 }).values.stream_plain_requests).toBe('');
    expect(configToForm(schema, { limit: 1, stream_plain_requests: true }).values.stream_plain_requests).toBe('true');
  });

  it('is saved only when set, as a JSON boolean', () => {
    const saved = (value: string) => formToConfig(schema, { limit: '1', stream_plain_requests: value }).config;
    expect(saved('')).toEqual({ limit: 1 });
    expect(saved('false')).toEqual({ limit: 1, stream_plain_requests: false });
    expect(saved('true')).toEqual({ limit: 1, stream_plain_requests: true });
  });
});

describe('formToConfig', () => {
  it('converts typed text into JSON values and leaves empty optional fields out', () => {
    const { config, errors } = formToConfig(schema, {
      response_text: ' hello ',
      input_usd_per_mtok: '0.15',
      limit: '60',
      ignore_max_tokens: true,
      tier: '',
      api_key: '',
    });
    expect(errors).toEqual({});
    expect(config).toEqual({ response_text: 'hello', input_usd_per_mtok: 0.15, limit: 60, ignore_max_tokens: true });
  });

  it('names each invalid field', () => {
    const { errors } = formToConfig(schema, { input_usd_per_mtok: '-1', limit: '1.5', ignore_max_tokens: false });
    expect(Object.keys(errors).sort()).toEqual(['input_usd_per_mtok', 'limit']);
    expect(formToConfig(schema, { limit: '' }).errors.limit).toContain('required');
  });
});
