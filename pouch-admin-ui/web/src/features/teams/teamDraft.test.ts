import { describe, expect, it } from 'vitest';
import { blankTeamDraft, teamBodyOf, teamFieldOf } from './teamDraft';

describe('teamBodyOf', () => {
  it('sends a name and one budget in micros, converted from the dollars typed', () => {
    const { body, errors } = teamBodyOf({ name: '  research ', budgetDollars: '$1,000.25', resetPeriodSeconds: '86400' });
    expect(errors).toEqual({});
    expect(body).toEqual({ name: 'research', budgets: [{ limit_micros: 1_000_250_000, reset_period_seconds: 86400 }] });
  });

  it('reads an empty amount as an unlimited budget that resets as chosen', () => {
    const { body } = teamBodyOf({ ...blankTeamDraft(), name: 'ops' });
    expect(body?.budgets).toEqual([{ limit_micros: 0, reset_period_seconds: 2_592_000 }]);
  });

  it('refuses a missing name and an amount with too many decimals, by the fields the API names', () => {
    const { body, errors } = teamBodyOf({ name: ' ', budgetDollars: '0.0000001', resetPeriodSeconds: '0' });
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['budgets[0].limit_micros', 'name']);
    expect(errors['budgets[0].limit_micros']).toMatch(/6 decimals/);
  });
});

describe('teamFieldOf', () => {
  it('puts an API error next to its field, and an unknown one on the form', () => {
    expect(teamFieldOf('name')).toBe('name');
    expect(teamFieldOf('budgets[0].reset_period_seconds')).toBe('budgets[0].reset_period_seconds');
    expect(teamFieldOf('budgets')).toBe('budgets[0].limit_micros');
    expect(teamFieldOf(null)).toBe('');
    expect(teamFieldOf('other')).toBe('');
  });
});
