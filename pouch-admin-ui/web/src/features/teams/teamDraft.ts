import type { TeamBody } from '../../api/client';
import { dollarsToMicros } from '../../ui/money';
import type { FieldErrors } from '../../ui/schemaForm';

/** What the new-team form holds: text as typed, converted only on submit. */
export interface TeamDraft {
  name: string;
  budgetDollars: string;
  resetPeriodSeconds: string;
}

export function blankTeamDraft(): TeamDraft {
  return { name: '', budgetDollars: '', resetPeriodSeconds: '2592000' };
}

/**
 * The API body of a draft (a name and one budget), or the errors found before sending it, keyed
 * as the API names them in an error's `param` (`name`, `budgets[0].limit_micros`, …). An empty
 * amount is an unlimited budget (0), as on a key.
 */
export function teamBodyOf(draft: TeamDraft): { body: TeamBody | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!draft.name.trim()) errors.name = 'Give the team a name.';
  let limit = 0;
  if (draft.budgetDollars.trim()) {
    const parsed = dollarsToMicros(draft.budgetDollars);
    if (parsed.ok) limit = parsed.micros;
    else errors['budgets[0].limit_micros'] = parsed.error;
  }
  const period = Number(draft.resetPeriodSeconds || '0');
  if (!Number.isSafeInteger(period) || period < 0) errors['budgets[0].reset_period_seconds'] = 'Choose a reset period.';
  if (Object.keys(errors).length > 0) return { body: null, errors };
  return { body: { name: draft.name.trim(), budgets: [{ limit_micros: limit, reset_period_seconds: period }] }, errors };
}

/** Where an API error's `param` belongs on the form: a field's own key, else the form's (`''`). */
export function teamFieldOf(param: string | null): string {
  if (param === 'name' || param === 'budgets[0].limit_micros' || param === 'budgets[0].reset_period_seconds') return param;
  if (param === 'budgets' || param?.startsWith('budgets[0]')) return 'budgets[0].limit_micros';
  return '';
}
