import { describe, expect, it, vi } from 'vitest';
import { ApiError, PouchApi } from './client';

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(body === null ? null : JSON.stringify(body), { status }));
}

describe('PouchApi', () => {
  it('sends the admin token and JSON body', async () => {
    const fetch = answer(201, { key: 'pa-x', id: 'key_1' });
    const api = new PouchApi({ token: () => 'pt-admin-1', fetch });
    const created = await api.createKey({
      name: 'n',
      provider: { id: 'mock', config: {} },
      middlewares: [],
      allowed_models: [],
      budget_limit_micros: 1,
      reset_period_seconds: 0,
      expires_at: null,
      auto_renew: false,
    });
    expect(created.key).toBe('pa-x');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/keys');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer pt-admin-1');
    expect(JSON.parse(init.body as string).budget_limit_micros).toBe(1);
  });

  it('turns an OpenAI-shaped error into an ApiError naming the field', async () => {
    const fetch = answer(400, { error: { message: 'limit must be at least 1', type: 'invalid_request_error', code: 'invalid_config', param: 'middlewares[0].config.limit' } });
    const onUnauthorized = vi.fn();
    const api = new PouchApi({ token: () => 't', fetch, onUnauthorized });
    const failure = await api.listKeys().catch((e) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 400, code: 'invalid_config', param: 'middlewares[0].config.limit', message: 'limit must be at least 1' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("pages a key's end users with the previous page's next_after as after", async () => {
    const fetch = answer(200, { object: 'list', data: [{ id: 'alice', key_id: 'key 1', budgets: [] }], next_after: 'alice' });
    const api = new PouchApi({ token: () => 't', fetch });
    const page = await api.endUsers('key 1', { limit: 50, after: 'a+b' });
    expect(page.next_after).toBe('alice');
    const [url] = fetch.mock.calls[0] as unknown as [string];
    expect(url).toBe('/api/keys/key%201/end-users?limit=50&after=a%2Bb');
  });

  it('deletes a team and reads its 409 while keys belong to it', async () => {
    const fetch = answer(409, { error: { message: 'the team has keys', type: 'invalid_request_error', code: 'conflict', param: null } });
    const api = new PouchApi({ token: () => 't', fetch });
    const failure = await api.deleteTeam('team_1').catch((e) => e);
    expect(failure).toMatchObject({ status: 409, code: 'conflict' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect([url, init.method]).toEqual(['/api/teams/team_1', 'DELETE']);
  });

  it('calls onUnauthorized on 401 and still rejects', async () => {
    const fetch = answer(401, { error: { message: 'Missing or wrong admin token', type: 'invalid_request_error', code: 'invalid_admin_token', param: null } });
    const onUnauthorized = vi.fn();
    const api = new PouchApi({ token: () => 'stale', fetch, onUnauthorized });
    await expect(api.plugins()).rejects.toMatchObject({ status: 401, code: 'invalid_admin_token' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports a body that is not JSON and an unreachable server', async () => {
    const html = vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(new PouchApi({ token: () => 't', fetch: html }).listKeys()).rejects.toMatchObject({ status: 502, code: null, message: 'GET /api/keys failed with HTTP 502.' });
    const down = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(new PouchApi({ token: () => 't', fetch: down }).listKeys()).rejects.toMatchObject({ status: 0 });
  });

  it('builds query strings without empty parameters and accepts 204', async () => {
    const fetch = answer(200, []);
    const api = new PouchApi({ token: () => 't', fetch });
    await api.requests({ keyId: 'key 1', limit: 21, after: undefined });
    await api.requests({ limit: 21, after: 'req_1' });
    expect(fetch.mock.calls[0][0 as never]).toBe('/api/requests?key_id=key+1&limit=21');
    expect(fetch.mock.calls[1][0 as never]).toBe('/api/requests?limit=21&after=req_1');
    const empty = vi.fn(async () => new Response(null, { status: 204 }));
    await expect(new PouchApi({ token: () => 't', fetch: empty }).revokeKey('k')).resolves.toBeUndefined();
  });
});
