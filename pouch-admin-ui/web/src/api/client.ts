/**
 * The one typed client of Pouch's admin API (DESIGN §4). Every call sends the admin token; a 401
 * calls `onUnauthorized` (the app returns to the login screen) and every non-2xx answer becomes an
 * {@link ApiError} carrying OpenAI's error shape, whose `param` names the offending field.
 */

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'select' | 'secret';

export interface SchemaField {
  name: string;
  type: FieldType;
  display_name: string | null;
  description: string | null;
  default: unknown;
  options: string[] | null;
  required: boolean;
  min: number | null;
  max: number | null;
  role: string | null;
}

export interface PluginSchema {
  fields: SchemaField[];
}

export interface PluginInfo {
  id: string;
  display_name: string;
  description: string | null;
  schema: PluginSchema;
  is_default?: boolean;
}

export interface Plugins {
  providers: PluginInfo[];
  middlewares: PluginInfo[];
}

export type Config = Record<string, unknown>;

export interface PluginRef {
  id: string;
  config: Config;
}

export type KeyStatus = 'active' | 'expired' | 'exhausted' | 'suspended';

/** One budget as every view shows it (a key's, a team's, an end user's). */
export interface BudgetView {
  limit_micros: number;
  spent_micros: number;
  reserved_micros: number;
  period_started_at: string;
  reset_period_seconds: number;
}

/** A budget's terms as drafts take them. */
export interface BudgetTerms {
  limit_micros: number;
  reset_period_seconds: number;
}

export type EndUserSource = 'user' | 'safety_identifier' | 'header';

/** How a key names and caps its end users. */
export interface EndUserPolicy {
  source: EndUserSource;
  required: boolean;
  /** The terms each distinct end user gets. */
  budgets: BudgetTerms[];
}

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  provider: PluginRef;
  middlewares: PluginRef[];
  allowed_models: string[];
  /** The key's first budget (`budgets[0]`). */
  budget: BudgetView;
  /** Every budget of the key's own, in order. */
  budgets: BudgetView[];
  team_id: string | null;
  end_user: EndUserPolicy | null;
  expires_at: string | null;
  auto_renew: boolean;
  created_at: string;
  status: KeyStatus;
  simulated: boolean;
  /** Why and since when the key is stopped (a spend guard or an admin), or null. */
  suspension: { at: string; reason: string } | null;
}

export interface CreatedKey extends KeyView {
  /** The secret: returned once, at creation. */
  key: string;
}

export interface KeyBody {
  name: string;
  provider: PluginRef;
  middlewares: PluginRef[];
  allowed_models: string[];
  budget_limit_micros: number;
  reset_period_seconds: number;
  expires_at: string | null;
  auto_renew: boolean;
}

export interface TeamView {
  id: string;
  name: string;
  created_at: string;
  budgets: BudgetView[];
  key_ids: string[];
}

export interface TeamBody {
  name: string;
  budgets: BudgetTerms[];
}

export interface EndUserView {
  id: string;
  key_id: string;
  budgets: BudgetView[];
}

/** One page of a key's end users; `next_after` is null on the last. */
export interface EndUserPage {
  object: 'list';
  data: EndUserView[];
  next_after: string | null;
}

export type Bucket = 'hour' | 'day';

export interface UsageBucket {
  start: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micros: number;
}

export interface Usage {
  key_id: string | null;
  bucket: Bucket;
  from: string;
  to: string;
  data: UsageBucket[];
}

/** A ledger amount beside the provider's (`GET /api/reconciliation`). */
export interface Drift {
  ledger_micros: number;
  provider_micros: number;
  difference_micros: number;
  /** The difference over the ledger's amount as a decimal string, or null when the ledger is 0. */
  drift_ratio: string | null;
  flagged: boolean;
}

export interface ReconciledModel extends Drift {
  /** null: the provider's cost attributed to no model. */
  model: string | null;
  ledger_requests: number;
  ledger_prompt_tokens: number;
  ledger_completion_tokens: number;
  provider_input_tokens: number;
  provider_output_tokens: number;
}

export interface ReconciledDay extends Drift {
  day: string;
  models: ReconciledModel[];
}

export interface ProviderReconciliation {
  provider: string;
  available: boolean;
  status: 'available' | 'unavailable' | 'failed';
  reason: string | null;
  upstream_status: number | null;
  flagged: boolean;
  days: ReconciledDay[];
}

export interface Reconciliation {
  from: string;
  to: string;
  drift_percent: string;
  drift_floor_micros: number;
  unattributed_micros: number;
  providers: ProviderReconciliation[];
}

export interface RequestRow {
  id: string;
  key_id: string;
  model: string | null;
  created_at: string;
  status: number;
  streamed: boolean;
  prompt_tokens: number;
  cached_prompt_tokens: number;
  completion_tokens: number;
  reserved_micros: number;
  cost_micros: number;
  settlement: string | null;
  overrun_micros: number;
  latency_ms: number;
  error_code: string | null;
  priced_as: string | null;
}

/** An answer other than 2xx, in OpenAI's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  /** Base URL of the server; empty for the same origin. */
  baseUrl?: string;
  token: () => string | null;
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export class PouchApi {
  constructor(private readonly options: ApiOptions) {}

  listKeys(): Promise<KeyView[]> {
    return this.call('GET', '/api/keys');
  }

  getKey(id: string): Promise<KeyView> {
    return this.call('GET', `/api/keys/${encodeURIComponent(id)}`);
  }

  createKey(body: KeyBody): Promise<CreatedKey> {
    return this.call('POST', '/api/keys', body);
  }

  updateKey(id: string, body: KeyBody): Promise<KeyView> {
    return this.call('PUT', `/api/keys/${encodeURIComponent(id)}`, body);
  }

  revokeKey(id: string): Promise<void> {
    return this.call('DELETE', `/api/keys/${encodeURIComponent(id)}`);
  }

  resumeKey(id: string): Promise<KeyView> {
    return this.call('POST', `/api/keys/${encodeURIComponent(id)}/resume`);
  }

  resetBudget(id: string): Promise<KeyView> {
    return this.call('POST', `/api/keys/${encodeURIComponent(id)}/budget/reset`);
  }

  /** The key's end users that have budgets, by id; `after` = the previous page's `next_after`. */
  endUsers(keyId: string, query: { limit?: number; after?: string }): Promise<EndUserPage> {
    return this.call(
      'GET',
      `/api/keys/${encodeURIComponent(keyId)}/end-users` + queryString({ limit: query.limit?.toString(), after: query.after }),
    );
  }

  listTeams(): Promise<TeamView[]> {
    return this.call('GET', '/api/teams');
  }

  createTeam(body: TeamBody): Promise<TeamView> {
    return this.call('POST', '/api/teams', body);
  }

  /** 409 `conflict` while a key belongs to the team. */
  deleteTeam(id: string): Promise<void> {
    return this.call('DELETE', `/api/teams/${encodeURIComponent(id)}`);
  }

  plugins(): Promise<Plugins> {
    return this.call('GET', '/api/plugins');
  }

  usage(query: { keyId?: string; bucket: Bucket; from?: string; to?: string }): Promise<Usage> {
    return this.call(
      'GET',
      '/api/usage' +
        queryString({ key_id: query.keyId, bucket: query.bucket, from: query.from, to: query.to }),
    );
  }

  /** The ledger beside each provider's bill, UTC days `from`..`to` (YYYY-MM-DD, at most 31). */
  reconciliation(query: { from: string; to: string; provider?: string }): Promise<Reconciliation> {
    return this.call(
      'GET',
      '/api/reconciliation' + queryString({ from: query.from, to: query.to, provider: query.provider }),
    );
  }

  /** Newest first; `after` = the id of the last row of the previous page. */
  requests(query: { keyId?: string; limit?: number; after?: string }): Promise<RequestRow[]> {
    return this.call(
      'GET',
      '/api/requests' +
        queryString({ key_id: query.keyId, limit: query.limit?.toString(), after: query.after }),
    );
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch((this.options.baseUrl ?? '') + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, `The server cannot be reached (${(e as Error).message}).`, null, null);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const error = (json as { error?: { message?: string; code?: string; param?: string } })?.error;
      if (response.status === 401) this.options.onUnauthorized?.();
      throw new ApiError(
        response.status,
        error?.message ?? `${method} ${path} failed with HTTP ${response.status}.`,
        error?.code ?? null,
        error?.param ?? null,
      );
    }
    return json as T;
  }
}

function queryString(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
