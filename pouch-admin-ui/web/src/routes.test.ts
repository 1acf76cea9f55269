import { describe, expect, it } from 'vitest';
import { pathOf, routeOf } from './routes';

describe('routes', () => {
  it("lands a key's own path on the key page with its id", () => {
    expect(routeOf('/keys/key_abc')).toEqual({ page: 'key', keyId: 'key_abc' });
    expect(routeOf(pathOf('key', 'key a/b'))).toEqual({ page: 'key', keyId: 'key a/b' });
  });

  it('lands the other paths on their pages, anything else on the keys', () => {
    expect(routeOf('/teams')).toEqual({ page: 'teams', keyId: null });
    expect(routeOf('/reconciliation')).toEqual({ page: 'reconciliation', keyId: null });
    expect(routeOf('/')).toEqual({ page: 'keys', keyId: null });
    expect(routeOf('/keys')).toEqual({ page: 'keys', keyId: null });
    expect(pathOf('keys')).toBe('/');
    expect(pathOf('teams')).toBe('/teams');
  });
});
