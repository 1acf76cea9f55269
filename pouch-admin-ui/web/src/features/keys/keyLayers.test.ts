import { describe, expect, it } from 'vitest';
import type { BudgetView, KeyView, TeamView } from '../../api/client';
import { endUserPolicyText, endUserRowsOf, layersOf, periodLabel } from './keyLayers';

const budget = (limit: number, period: number, spent = 0): BudgetView => ({
  limit_micros: limit,
  spent_micros: spent,
  reserved_micros: 0,
  period_started_at: '2026-12-01T00:00:00Z',
  reset_period_seconds: period,
});

const key = (over: Partial<KeyView>): KeyView =>
  ({
    id: 'key_1',
    name: 'notebook',
    budget: budget(5_000_000, 86400),
    budgets: [budget(5_000_000, 86400), budget(50_000_000, 0)],
    team_id: null,
    end_user: null,
    ...over,
  }) as KeyView;

const team: TeamView = { id: 'team_1', name: 'research', created_at: '2026-12-01T00:00:00Z', budgets: [budget(100_000_000, 2_592_000, 7)], key_ids: ['key_1'] };

describe('layersOf', () => {
  it("lists the key's own budgets in order, then its team's", () => {
    const layers = layersOf(key({ team_id: 'team_1' }), team);
    expect(layers.map((l) => [l.owner, l.ownerName, l.position, l.budget.limit_micros])).toEqual([
      ['key', 'notebook', 1, 5_000_000],
      ['key', 'notebook', 2, 50_000_000],
      ['team', 'research', 1, 100_000_000],
    ]);
    expect(new Set(layers.map((l) => l.key)).size).toBe(3);
  });

  it('leaves out a team the key does not belong to', () => {
    expect(layersOf(key({ team_id: null }), team).map((l) => l.owner)).toEqual(['key', 'key']);
  });

  it('falls back to the single budget of a view without budgets', () => {
    const old = key({ budgets: undefined as unknown as BudgetView[] });
    expect(layersOf(old, null).map((l) => l.budget.limit_micros)).toEqual([5_000_000]);
  });
});

describe('endUserPolicyText', () => {
  it('names the source, whether it is required and each end user’s terms in dollars', () => {
    expect(endUserPolicyText({ source: 'user', required: true, budgets: [{ limit_micros: 1_000_000, reset_period_seconds: 86400 }] })).toBe(
      "Named by OpenAI's user field, required; each gets $1.00 daily.",
    );
    expect(
      endUserPolicyText({
        source: 'header',
        required: false,
        budgets: [
          { limit_micros: 250_000, reset_period_seconds: 3600 },
          { limit_micros: 0, reset_period_seconds: 0 },
        ],
      }),
    ).toBe('Named by the x-pouch-end-user header, optional; each gets $0.25 hourly and unlimited in all.');
    expect(endUserPolicyText({ source: 'safety_identifier', required: false, budgets: [] })).toMatch(/safety_identifier field, optional; each gets no budget/);
  });
});

describe('endUserRowsOf', () => {
  it('keeps each end user’s budgets apart with their periods, never summing their spend', () => {
    const rows = endUserRowsOf([{ id: 'alice', key_id: 'key_1', budgets: [budget(1_000_000, 86400, 300), budget(0, 0, 300)] }]);
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe('alice');
    expect(rows[0].budgets.map((b) => [b.label, b.budget.spent_micros])).toEqual([
      ['daily', 300],
      ['in all', 300],
    ]);
  });
});

describe('periodLabel', () => {
  it('reads a budget without reset as "in all"', () => {
    expect(periodLabel(0)).toBe('in all');
    expect(periodLabel(604800)).toBe('weekly');
  });
});
