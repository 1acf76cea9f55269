import { useEffect, useState } from 'preact/hooks';
import { ApiError, type TeamView } from '../../api/client';
import { ConfirmDialog } from '../../ui/dialog';
import { BudgetBar, FieldError, MoneyInput, PERIODS, formatPeriod, formatTime } from '../../ui/parts';
import type { FieldErrors } from '../../ui/schemaForm';
import { periodLabel } from '../keys/keyLayers';
import { api } from '../login/session';
import { blankTeamDraft, teamBodyOf, teamFieldOf, type TeamDraft } from './teamDraft';

/** Teams with the budgets their keys share: listed, created (a name and one budget), deleted. */
export function TeamsPage() {
  const [teams, setTeams] = useState<TeamView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [draft, setDraft] = useState<TeamDraft>(blankTeamDraft());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<TeamView | null>(null);

  async function load() {
    try {
      setTeams(await api.listTeams());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  useEffect(() => {
    load();
  }, []);

  async function create(e: Event) {
    e.preventDefault();
    const { body, errors: found } = teamBodyOf(draft);
    setErrors(found);
    if (!body) return;
    setBusy(true);
    try {
      const team = await api.createTeam(body);
      setNotice(`Created team ${team.name}.`);
      setDraft(blankTeamDraft());
      await load();
    } catch (err) {
      if (err instanceof ApiError && teamFieldOf(err.param)) setErrors({ [teamFieldOf(err.param)]: err.message });
      else setNotice((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function remove(team: TeamView) {
    setBusy(true);
    try {
      await api.deleteTeam(team.id);
      setNotice(`Deleted team ${team.name}.`);
      await load();
    } catch (err) {
      setNotice((err as Error).message);
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  }

  return (
    <section aria-labelledby="teams-title" class="flex flex-col gap-4">
      <div class="flex flex-wrap items-center gap-2">
        <h1 id="teams-title" class="mr-auto text-2xl font-bold">
          Teams
        </h1>
        <button type="button" class="btn btn-sm" onClick={() => load()}>
          Refresh
        </button>
      </div>
      <p class="max-w-prose text-sm opacity-80">
        A team's budgets are shared by its keys: a request on a key of the team must fit the key's budgets and the team's. Put a key in a team
        with <code>team_id</code> in its body (admin API or <code>pouch apply</code>).
      </p>

      {notice && (
        <div role="status" class="alert alert-info text-sm">
          <span>{notice}</span>
          <button type="button" class="btn btn-xs btn-ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}

      <form class="card bg-base-100 shadow" data-testid="team-form" onSubmit={create} noValidate>
        <div class="card-body grid gap-3 p-4 sm:grid-cols-4 sm:items-start">
          <h2 class="card-title sm:col-span-4 text-base">New team</h2>
          <div class="flex flex-col gap-1">
            <label for="team-name" class="text-sm font-medium">
              Team name
            </label>
            <input
              id="team-name"
              class={`input input-bordered w-full ${errors.name ? 'input-error' : ''}`}
              value={draft.name}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? 'team-name-error' : undefined}
              onInput={(e) => setDraft({ ...draft, name: (e.currentTarget as HTMLInputElement).value })}
            />
            <FieldError id="team-name" error={errors.name} />
          </div>
          <div class="flex flex-col gap-1">
            <label for="team-budget" class="text-sm font-medium">
              Team budget (USD)
            </label>
            <MoneyInput
              id="team-budget"
              value={draft.budgetDollars}
              placeholder="empty = unlimited"
              error={errors['budgets[0].limit_micros']}
              onInput={(v) => setDraft({ ...draft, budgetDollars: v })}
            />
            <FieldError id="team-budget" error={errors['budgets[0].limit_micros']} />
          </div>
          <div class="flex flex-col gap-1">
            <label for="team-period" class="text-sm font-medium">
              Budget resets
            </label>
            <select
              id="team-period"
              class="select select-bordered w-full"
              value={draft.resetPeriodSeconds}
              onChange={(e) => setDraft({ ...draft, resetPeriodSeconds: (e.currentTarget as HTMLSelectElement).value })}
            >
              {PERIODS.map((p) => (
                <option value={String(p)}>{formatPeriod(p)}</option>
              ))}
            </select>
            <FieldError id="team-period" error={errors['budgets[0].reset_period_seconds']} />
          </div>
          <div class="flex flex-col gap-1 sm:pt-6">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              Create team
            </button>
          </div>
        </div>
      </form>

      {teams === null && !error && <span class="loading loading-spinner" aria-label="Loading" />}
      {teams && teams.length === 0 && <p class="text-sm opacity-70">No teams yet.</p>}
      {teams && teams.length > 0 && (
        <div class="card bg-base-100 overflow-x-auto shadow">
          <table class="table table-sm" data-testid="teams-table">
            <thead>
              <tr>
                <th>Team</th>
                <th>Budgets</th>
                <th class="text-right">Keys</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {teams.map((team) => (
                <tr key={team.id} data-team-name={team.name}>
                  <td>
                    <div class="font-medium">{team.name}</div>
                    <code class="text-xs opacity-70">{team.id}</code>
                  </td>
                  <td class="min-w-64">
                    <ul class="flex flex-col gap-2">
                      {team.budgets.map((b) => (
                        <li>
                          <span class="text-xs opacity-70">{periodLabel(b.reset_period_seconds)}</span>
                          <BudgetBar limit={b.limit_micros} spent={b.spent_micros} reserved={b.reserved_micros} />
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td class="text-right">{team.key_ids.length}</td>
                  <td>{formatTime(team.created_at)}</td>
                  <td class="text-right">
                    <button type="button" class="btn btn-xs btn-error btn-outline" onClick={() => setDeleting(team)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {deleting && (
        <ConfirmDialog
          title={`Delete team ${deleting.name}?`}
          message={<p>Its budgets go with it. A team that still has keys is refused: move or delete its keys first.</p>}
          confirmLabel="Delete team"
          danger
          busy={busy}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove(deleting)}
        />
      )}
    </section>
  );
}
