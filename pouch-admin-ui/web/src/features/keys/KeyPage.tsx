import { useEffect, useState } from 'preact/hooks';
import type { EndUserView, KeyView, TeamView } from '../../api/client';
import { BudgetBar, formatTime, ProviderBadge, StatusBadge } from '../../ui/parts';
import { api } from '../login/session';
import { navigate } from '../../router';
import { endUserPolicyText, endUserRowsOf, layersOf, periodLabel } from './keyLayers';

const PAGE_SIZE = 50;

/** One key: every budget layer it pays from (its own, its team's), its end-user policy and end users. */
export function KeyPage({ keyId }: { keyId: string }) {
  const [key, setKey] = useState<KeyView | null>(null);
  const [team, setTeam] = useState<TeamView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const loaded = await api.getKey(keyId);
        const teams = loaded.team_id ? await api.listTeams() : [];
        if (!live) return;
        setKey(loaded);
        setTeam(teams.find((t) => t.id === loaded.team_id) ?? null);
        setError(null);
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    })();
    return () => {
      live = false;
    };
  }, [keyId]);

  return (
    <section aria-labelledby="key-title" class="flex flex-col gap-4">
      <div class="flex flex-wrap items-center gap-2">
        <a
          href="/"
          class="btn btn-sm btn-ghost"
          onClick={(e) => {
            e.preventDefault();
            navigate('keys');
          }}
        >
          ← Keys
        </a>
        <h1 id="key-title" class="mr-auto text-2xl font-bold">
          {key ? `Key ${key.name}` : 'Key'}
        </h1>
        {key && <StatusBadge status={key.status} />}
        {key && <ProviderBadge id={key.provider.id} />}
      </div>
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}
      {!key && !error && <span class="loading loading-spinner" aria-label="Loading" />}
      {key && <Layers keyView={key} team={team} />}
      {key?.end_user && (
        <div class="card bg-base-100 shadow" data-testid="end-user-policy">
          <div class="card-body p-4">
            <h2 class="card-title text-base">End users</h2>
            <p class="text-sm">{endUserPolicyText(key.end_user)}</p>
            <EndUsers keyId={key.id} />
          </div>
        </div>
      )}
    </section>
  );
}

function Layers({ keyView, team }: { keyView: KeyView; team: TeamView | null }) {
  return (
    <div class="card bg-base-100 shadow" data-testid="key-layers">
      <div class="card-body p-4">
        <h2 class="card-title text-base">Budgets this key pays from</h2>
        <p class="text-sm opacity-80">
          Every request must fit each of them; one reservation takes its worst case from all or from none.
          {keyView.team_id && (
            <>
              {' '}Team:{' '}
              <a
                href="/teams"
                class="link"
                data-testid="key-team"
                onClick={(e) => {
                  e.preventDefault();
                  navigate('teams');
                }}
              >
                {team?.name ?? keyView.team_id}
              </a>
              .
            </>
          )}
        </p>
        <table class="table table-sm">
          <thead>
            <tr>
              <th>Layer</th>
              <th>Resets</th>
              <th>Period started</th>
              <th class="min-w-64">Spent / limit</th>
            </tr>
          </thead>
          <tbody>
            {layersOf(keyView, team).map((layer) => (
              <tr key={layer.key} data-testid="layer" data-owner={layer.owner}>
                <td>
                  {layer.owner === 'key' ? 'key' : `team ${layer.ownerName}`} #{layer.position}
                </td>
                <td>{periodLabel(layer.budget.reset_period_seconds)}</td>
                <td>{formatTime(layer.budget.period_started_at)}</td>
                <td>
                  <BudgetBar limit={layer.budget.limit_micros} spent={layer.budget.spent_micros} reserved={layer.budget.reserved_micros} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The key's end users with their budgets, a page at a time (the API's `next_after` cursor). */
function EndUsers({ keyId }: { keyId: string }) {
  const [rows, setRows] = useState<EndUserView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function load(after?: string) {
    setLoading(true);
    try {
      const page = await api.endUsers(keyId, { limit: PAGE_SIZE, after });
      setRows((before) => (after ? [...before, ...page.data] : page.data));
      setNext(page.next_after);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    load();
  }, [keyId]);

  return (
    <div class="flex flex-col gap-2">
      {error && (
        <div role="alert" class="alert alert-error text-sm">
          {error}
        </div>
      )}
      {!loading && !error && rows.length === 0 && <p class="text-sm opacity-70">No end user has spent on this key yet.</p>}
      {rows.length > 0 && (
        <table class="table table-sm" data-testid="end-users">
          <thead>
            <tr>
              <th>End user</th>
              <th class="min-w-64">Budgets</th>
            </tr>
          </thead>
          <tbody>
            {endUserRowsOf(rows).map((row) => (
              <tr key={row.id} data-end-user={row.id}>
                <td>
                  <code>{row.id}</code>
                </td>
                <td>
                  <ul class="flex flex-col gap-2">
                    {row.budgets.map(({ label, budget }) => (
                      <li>
                        <span class="text-xs opacity-70">{label}</span>
                        <BudgetBar limit={budget.limit_micros} spent={budget.spent_micros} reserved={budget.reserved_micros} />
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="btn btn-sm self-start" disabled={loading} onClick={() => load(next)}>
          Next {PAGE_SIZE} end users
        </button>
      )}
    </div>
  );
}
