import type { BudgetView, EndUserPolicy, EndUserView, KeyView, TeamView } from '../../api/client';
import { formatMicros } from '../../ui/money';
import { formatPeriod } from '../../ui/parts';

/** One budget a key's requests pay from, with whose it is. */
export interface Layer {
  key: string;
  owner: 'key' | 'team';
  /** The key's or team's name. */
  ownerName: string;
  /** Its place among its owner's budgets, from 1. */
  position: number;
  budget: BudgetView;
}

/**
 * Every budget a request on this key must fit, as the ledger reserves them: the key's own in
 * order, then its team's. A key whose team is not (yet) loaded shows its own budgets only.
 */
export function layersOf(key: KeyView, team: TeamView | null): Layer[] {
  const own = key.budgets?.length ? key.budgets : [key.budget];
  const layers: Layer[] = own.map((budget, i) => ({ key: `key/${i}`, owner: 'key', ownerName: key.name, position: i + 1, budget }));
  if (team && team.id === key.team_id) {
    team.budgets.forEach((budget, i) => layers.push({ key: `team/${i}`, owner: 'team', ownerName: team.name, position: i + 1, budget }));
  }
  return layers;
}

const SOURCE_TEXT: Record<EndUserPolicy['source'], string> = {
  user: "OpenAI's user field",
  safety_identifier: "OpenAI's safety_identifier field",
  header: 'the x-pouch-end-user header',
};

/** The end-user policy in words: "Named by OpenAI's user field, required; each gets $1.00 daily." */
export function endUserPolicyText(policy: EndUserPolicy): string {
  const terms = policy.budgets.length
    ? policy.budgets.map((t) => `${t.limit_micros > 0 ? formatMicros(t.limit_micros) : 'unlimited'} ${periodLabel(t.reset_period_seconds)}`).join(' and ')
    : 'no budget of its own';
  return `Named by ${SOURCE_TEXT[policy.source] ?? policy.source}, ${policy.required ? 'required' : 'optional'}; each gets ${terms}.`;
}

/** How a budget's period reads in a list: "daily", "every 30 days", "in all" (no reset). */
export function periodLabel(seconds: number): string {
  return seconds ? formatPeriod(seconds) : 'in all';
}

/** One end user as a table row: each of its budgets with its period in words. */
export interface EndUserRow {
  id: string;
  budgets: { label: string; budget: BudgetView }[];
}

/**
 * End users as rows. Spend is shown per budget, never summed: every budget of an end user is
 * charged for each of its requests, so a sum would count each request once per budget.
 */
export function endUserRowsOf(endUsers: EndUserView[]): EndUserRow[] {
  return endUsers.map((u) => ({ id: u.id, budgets: u.budgets.map((budget) => ({ label: periodLabel(budget.reset_period_seconds), budget })) }));
}
