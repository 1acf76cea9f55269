import { describe, expect, it } from 'vitest';
import type { KeyView, Plugins } from '../../api/client';
import { blankDraft, bodyOf, draftOf, newMiddleware } from './keyDraft';

const plugins: Plugins = {
  providers: [
    {
      id: 'mock',
      display_name: 'Mock',
      description: null,
      schema: { fields: [{ name: 'input_usd_per_mtok', type: 'number', display_name: null, description: null, default: null, options: null, required: false, min: 0, max: null, role: null }] },
    },
    {
      id: 'openai',
      display_name: 'OpenAI',
      description: null,
      schema: { fields: [{ name: 'api_key', type: 'secret', display_name: null, description: null, default: null, options: null, required: false, min: null, max: null, role: null }] },
    },
  ],
  middlewares: [
    {
      id: 'rate_limit',
      display_name: 'Rate limit',
      description: null,
      is_default: false,
      schema: { fields: [{ name: 'limit', type: 'integer', display_name: null, description: null, default: null, options: null, required: true, min: 1, max: null, role: null }] },
    },
  ],
};

describe('key drafts', () => {
  it('turns the form into the API body with the budget in micros', () => {
    const draft = blankDraft(plugins);
    draft.name = 'demo';
    draft.budgetDollars = '0.29';
    draft.providerValues = { input_usd_per_mtok: '2.5' };
    const mw = newMiddleware(plugins.middlewares[0]);
    mw.values.limit = '60';
    draft.middlewares = [mw];
    draft.allowedModels = 'gpt-4o-mini, gpt-4.1';
    const { body, errors } = bodyOf(draft, plugins);
    expect(errors).toEqual({});
    expect(body).toEqual({
      name: 'demo',
      provider: { id: 'mock', config: { input_usd_per_mtok: 2.5 } },
      middlewares: [{ id: 'rate_limit', config: { limit: 60 } }],
      allowed_models: ['gpt-4o-mini', 'gpt-4.1'],
      budget_limit_micros: 290_000,
      reset_period_seconds: 2_592_000,
      expires_at: null,
      auto_renew: false,
    });
  });

  it('names invalid fields by the paths the API uses', () => {
    const draft = blankDraft(plugins);
    draft.budgetDollars = '1.0000001';
    draft.middlewares = [newMiddleware(plugins.middlewares[0])];
    const { body, errors } = bodyOf(draft, plugins);
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['budget_limit_micros', 'middlewares[0].config.limit', 'name']);
  });

  it('edits a key without ever holding its stored secret', () => {
    const key = {
      id: 'key_1',
      name: 'team',
      prefix: 'pa-abc',
      provider: { id: 'openai', config: { api_key: '********' } },
      middlewares: [],
      allowed_models: [],
      budget: { limit_micros: 5_000_000, spent_micros: 0, reserved_micros: 0, period_started_at: '2026-01-01T00:00:00Z', reset_period_seconds: 0 },
      budgets: [{ limit_micros: 5_000_000, spent_micros: 0, reserved_micros: 0, period_started_at: '2026-01-01T00:00:00Z', reset_period_seconds: 0 }],
      team_id: null,
      end_user: null,
      expires_at: null,
      auto_renew: false,
      created_at: '2026-01-01T00:00:00Z',
      status: 'active',
      simulated: false,
      suspension: null,
    } as KeyView;
    const draft = draftOf(key, plugins);
    expect(draft.providerValues.api_key).toBe('');
    expect(draft.providerStoredSecrets).toEqual(['api_key']);
    expect(draft.budgetDollars).toBe('5');
    const { body } = bodyOf(draft, plugins);
    expect(body!.provider.config).toEqual({}); // left out: the server keeps the stored secret
    expect(body!.budget_limit_micros).toBe(5_000_000);
  });
});
