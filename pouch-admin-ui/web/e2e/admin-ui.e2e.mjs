#!/usr/bin/env node
// End-to-end test of the admin UI in Debian's Chromium, driven by playwright-core, against the real
// fat jar started here on loopback with a fresh data folder.
//
//   node e2e/admin-ui.e2e.mjs --jar ../../pouch-server-javalin/target/pouch.jar [--java java]
//                             [--screenshots ../../docs/images]
//
// Exits 0 when every step passed, 1 with the failing step and the server's output otherwise. It never
// skips: without a Chromium at $POUCH_CHROMIUM (default /usr/bin/chromium) it fails and says so.
// Run by AdminUiIT (pouch-server-javalin) during `mvn verify`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const JAR = args.jar && resolve(args.jar);
const JAVA = args.java ?? 'java';
const SHOTS = args.screenshots ? resolve(args.screenshots) : null;
const CHROMIUM = process.env.POUCH_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'pt-admin-e2e-' + Math.random().toString(36).slice(2);
const STEP_TIMEOUT = 20_000;

if (!JAR || !existsSync(JAR)) fail(`no fat jar: pass --jar <pouch.jar> (got ${args.jar}); build it with mvn package`);
if (!existsSync(CHROMIUM)) {
  fail(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; bin/test does) or set POUCH_CHROMIUM`);
}

const work = mkdtempSync(join(tmpdir(), 'pouch-ui-e2e-'));
const logFile = join(work, 'pouch.log');
let server;
let browser;
let step = 'start';

function fail(message) {
  console.error(`admin-ui e2e: FAILED: ${message}`);
  process.exit(1);
}

function log(message) {
  step = message;
  console.log(`admin-ui e2e: ${message}`);
}

async function freePort() {
  return new Promise((done, error) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
    s.on('error', error);
  });
}

async function startPouch() {
  const port = await freePort();
  const out = openSync(logFile, 'w');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('POUCH_')));
  server = spawn(JAVA, ['-XX:TieredStopAtLevel=1', '-jar', JAR, '--host', '127.0.0.1', '--port', String(port), '--data', join(work, 'data')], {
    env: { ...env, POUCH_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', out, out],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`pouch.jar exited with ${server.exitCode}`);
    try {
      const health = await fetch(`${base}/healthz`);
      if (health.ok) return base;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pouch.jar did not answer /healthz within 30 s');
}

async function chat(base, secret) {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'Hello from the admin UI test' }] }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function admin(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, animations: 'disabled' });
  console.log(`admin-ui e2e: screenshot ${join(SHOTS, name)}`);
}

async function run() {
  log('starting pouch.jar');
  const base = await startPouch();

  log(`launching ${CHROMIUM}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  log('an unknown path of the SPA loads the app; API paths keep their JSON 404');
  const deep = await fetch(`${base}/usage`);
  assert.equal(deep.status, 200);
  assert.match(deep.headers.get('content-type'), /text\/html/);
  const apiMiss = await fetch(`${base}/v1/nothing-here`, { headers: { Authorization: 'Bearer x' } });
  assert.equal(apiMiss.status, 404);
  assert.equal((await apiMiss.json()).error.code, 'not_found');

  log('a wrong admin token is refused on the login screen');
  await page.goto(base + '/');
  await page.getByLabel('Admin token').fill('pt-admin-wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('This admin token is not valid.').waitFor();

  log('logging in shows the empty dashboard');
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('empty-state').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('pouch.adminToken')), TOKEN);

  log('creating a key: mock provider, $1 budget, rate_limit middleware');
  await page.getByRole('button', { name: 'Create your first key' }).click();
  const form = page.getByTestId('key-form');
  await form.waitFor();
  await form.getByLabel('Name', { exact: true }).fill('e2e demo!');
  // dear prices, so the few test requests fill a visible part of the bar
  await form.locator('#provider-input_usd_per_mtok').fill('2000');
  await form.locator('#provider-output_usd_per_mtok').fill('8000');
  await form.getByLabel('Budget per period (USD)').fill('1');
  await form.getByLabel('Add a middleware').selectOption('rate_limit');
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  const middleware = form.locator('[data-middleware-id="rate_limit"]');
  await middleware.waitFor();
  await middleware.locator('input[name="limit"]').fill('100');
  await middleware.locator('input[name="period"]').fill('60');

  log('middlewares can be reordered and removed');
  await form.getByLabel('Add a middleware').selectOption('max_tokens_cap');
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  const cap = form.locator('[data-middleware-id="max_tokens_cap"]');
  await cap.getByRole('button', { name: / up$/ }).click();
  const order = () => form.locator('[data-testid="middleware"]').evaluateAll((items) => items.map((li) => li.dataset.middlewareId));
  assert.deepEqual(await order(), ['max_tokens_cap', 'rate_limit']);
  assert.equal(await middleware.locator('input[name="limit"]').inputValue(), '100', 'values move with their middleware');
  await cap.getByRole('button', { name: /^Remove/ }).click();
  await cap.waitFor({ state: 'detached' });
  assert.deepEqual(await order(), ['rate_limit']);

  // a tall window, so the picture holds the whole form
  await page.setViewportSize({ width: 1280, height: 1900 });
  await form.locator('.modal-box').evaluate((box) => box.scrollTo(0, 0));
  await shot(page, 'admin-ui-key-form.png');
  await page.setViewportSize({ width: 1280, height: 860 });

  log('an API validation error is shown next to its field');
  await form.getByRole('button', { name: 'Create key' }).click();
  const nameError = form.locator('#key-name-error');
  await nameError.waitFor();
  assert.match(await nameError.textContent(), /name must be/);
  assert.equal(await form.locator('#key-name').getAttribute('aria-invalid'), 'true');

  log('the secret is shown once');
  await form.getByLabel('Name', { exact: true }).fill('e2e-demo');
  await form.getByRole('button', { name: 'Create key' }).click();
  const secretDialog = page.getByTestId('new-key-dialog');
  await secretDialog.waitFor();
  const secret = await secretDialog.locator('#new-key-secret').inputValue();
  assert.match(secret, /^pa-/);
  await secretDialog.getByText('will not be shown again').waitFor();
  await secretDialog.getByRole('button', { name: 'Copy' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await secretDialog.getByRole('button', { name: 'I have stored it' }).click();
  await secretDialog.waitFor({ state: 'detached' });
  const card = page.locator('[data-key-name="e2e-demo"]');
  await card.waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page');
  await card.getByText('simulation').waitFor();
  await card.getByText('rate_limit').waitFor();

  log('a second key by API, for a fuller dashboard (openai provider, secret kept, unlimited)');
  const other = await admin(base, 'POST', '/api/keys', {
    name: 'team-gpt',
    provider: { id: 'openai', config: { api_key: 'sk-e2e-never-shown', base_url: 'http://127.0.0.1:9/v1' } },
    allowed_models: ['gpt-4o-mini'],
    reset_period_seconds: 86400,
  });
  assert.equal(other.status, 201, JSON.stringify(other.body));

  log('using the key with a chat request');
  for (let i = 0; i < 3; i++) {
    const answer = await chat(base, secret);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.object, 'chat.completion');
    assert.equal(answer.headers.get('x-ratelimit-limit-requests'), '100');
  }

  log('the spend shows on the dashboard');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.waitForFunction(() => {
    const text = document.querySelector('[data-key-name="e2e-demo"] [data-testid="budget"]')?.textContent ?? '';
    return /\$0\.[1-9]/.test(text) && text.includes('of $1.00');
  });
  const spentApi = (await admin(base, 'GET', '/api/keys')).body.find((k) => k.name === 'e2e-demo').budget.spent_micros;
  assert.ok(spentApi > 0, `spent ${spentApi}`);
  const otherCard = page.locator('[data-key-name="team-gpt"]');
  await otherCard.getByText('∞').waitFor();
  assert.ok(!(await page.content()).includes('sk-e2e-never-shown'), 'a stored secret is never in the page');
  await shot(page, 'admin-ui-keys.png');

  log('the edit form never shows a stored secret');
  await otherCard.getByRole('button', { name: 'Edit' }).click();
  await form.waitFor();
  assert.equal(await form.locator('#provider-api_key').inputValue(), '');
  assert.equal(await form.locator('#provider-api_key').getAttribute('type'), 'password');
  // a boolean without a static default: a three-way select left unset (the per-upstream rule)
  assert.equal(await form.locator('#provider-stream_plain_requests').inputValue(), '');
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });

  log('editing the budget to $2.50');
  await card.getByRole('button', { name: 'Edit' }).click();
  await form.waitFor();
  assert.equal(await form.locator('[data-middleware-id="rate_limit"] input[name="limit"]').inputValue(), '100');
  await form.getByLabel('Budget per period (USD)').fill('2.50');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await form.waitFor({ state: 'detached' });
  await card.getByText('of $2.50').waitFor();
  const edited = (await admin(base, 'GET', '/api/keys')).body.find((k) => k.name === 'e2e-demo');
  assert.equal(edited.budget.limit_micros, 2_500_000);
  assert.deepEqual(edited.middlewares.map((m) => m.id), ['rate_limit']);
  const secretKept = (await admin(base, 'GET', `/api/keys/${other.body.id}`)).body;
  assert.equal(secretKept.provider.config.api_key, '********');

  log('the usage page charts the spend and lists the requests');
  await page.getByRole('link', { name: 'Usage' }).click();
  await page.getByTestId('spend-chart').waitFor();
  await page.waitForFunction(() => /\$0\.0*[1-9]/.test(document.querySelector('[data-testid="usage-total"]')?.textContent ?? ''));
  await page.locator('[data-testid="request-log"] tbody tr', { hasText: 'e2e-demo' }).nth(2).waitFor();
  assert.equal(await page.locator('[data-testid="request-log"] tbody tr', { hasText: 'e2e-demo' }).count(), 3);
  await page.getByRole('button', { name: '24 hours, per hour' }).click();
  await page.waitForFunction(() => document.querySelector('figcaption')?.textContent?.includes('per hour'));
  await page.getByRole('button', { name: '30 days, per day' }).click();
  await shot(page, 'admin-ui-usage.png');

  log('a reload of /usage stays on the usage page (SPA fallback)');
  await page.reload();
  await page.getByRole('heading', { name: 'Usage' }).waitFor();

  log('the reconciliation page shows each provider, unavailable without an admin key');
  await page.getByRole('link', { name: 'Reconciliation' }).click();
  await page.getByRole('heading', { name: 'Reconciliation' }).waitFor();
  await page.getByTestId('reconciliation-openai').getByText('POUCH_OPENAI_ADMIN_KEY').waitFor();
  await page.getByTestId('reconciliation-anthropic').getByText('POUCH_ANTHROPIC_ADMIN_KEY').waitFor();
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('reconciliation-openai').waitFor();

  log('creating a team through the teams page lists it with its budget');
  await page.getByRole('link', { name: 'Teams' }).click();
  const teamForm = page.getByTestId('team-form');
  await teamForm.getByLabel('Team name').fill('e2e-team');
  await teamForm.getByLabel('Team budget (USD)').fill('100');
  await teamForm.getByRole('button', { name: 'Create team' }).click();
  const teamRow = page.locator('[data-team-name="e2e-team"]');
  await teamRow.getByText('of $100.00').waitFor();
  const team = (await admin(base, 'GET', '/api/teams')).body.find((t) => t.name === 'e2e-team');
  assert.deepEqual(team.budgets.map((b) => [b.limit_micros, b.reset_period_seconds]), [[100_000_000, 2_592_000]]);

  log("a key's page shows every budget it pays from, its team, its end-user policy and end users");
  const layered = await admin(base, 'POST', '/api/keys', {
    name: 'e2e-layered',
    provider: { id: 'mock', config: { input_usd_per_mtok: 2.5, output_usd_per_mtok: 10 } },
    team_id: team.id,
    budgets: [
      { limit_micros: 5_000_000, reset_period_seconds: 86400 },
      { limit_micros: 50_000_000, reset_period_seconds: 0 },
    ],
    end_user: { source: 'user', required: true, budgets: [{ limit_micros: 1_000_000, reset_period_seconds: 86400 }] },
  });
  assert.equal(layered.status, 201, JSON.stringify(layered.body));
  const alice = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${layered.body.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20, user: 'alice', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  assert.equal(alice.status, 200, await alice.text());
  await page.getByRole('link', { name: 'Keys', exact: true }).click();
  await page.locator('[data-key-name="e2e-layered"]').getByRole('link', { name: 'e2e-layered' }).click();
  await page.getByRole('heading', { name: 'Key e2e-layered' }).waitFor();
  const layers = page.getByTestId('key-layers');
  await layers.getByText('of $50.00').waitFor();
  assert.deepEqual(await layers.locator('[data-testid="layer"]').evaluateAll((rows) => rows.map((r) => r.dataset.owner)), ['key', 'key', 'team']);
  await layers.getByText('of $5.00').waitFor();
  await layers.getByText('of $100.00').waitFor();
  assert.equal(await page.getByTestId('key-team').textContent(), 'e2e-team');
  await page.getByTestId('end-user-policy').getByText("Named by OpenAI's user field, required; each gets $1.00 daily.").waitFor();
  await page.locator('[data-end-user="alice"]').getByText('of $1.00').waitFor();
  await shot(page, 'admin-ui-key-layers.png');

  log('a reload of a key page stays on it; its team link leads to the teams page');
  await page.reload();
  await page.getByRole('heading', { name: 'Key e2e-layered' }).waitFor();
  await page.getByTestId('key-team').click();
  await page.getByRole('heading', { name: 'Teams' }).waitFor();

  log('deleting an empty team, after confirming');
  assert.equal((await admin(base, 'POST', '/api/teams', { name: 'e2e-empty', budgets: [{ limit_micros: 0, reset_period_seconds: 0 }] })).status, 201);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const emptyRow = page.locator('[data-team-name="e2e-empty"]');
  await emptyRow.getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete team' }).click();
  await emptyRow.waitFor({ state: 'detached' });
  assert.ok(!(await admin(base, 'GET', '/api/teams')).body.some((t) => t.name === 'e2e-empty'));

  log('revoking the key, after confirming');
  await page.getByRole('link', { name: 'Keys' }).click();
  await card.getByRole('button', { name: 'Revoke' }).click();
  const confirm = page.getByTestId('confirm-dialog');
  await confirm.getByRole('button', { name: 'Cancel' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'focus starts inside the dialog');
  await confirm.getByRole('button', { name: 'Revoke key' }).click();
  await card.waitFor({ state: 'detached' });
  const refused = await chat(base, secret);
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error.code, 'invalid_api_key');

  log('a refused token (401) returns to the login screen');
  await page.evaluate(() => sessionStorage.setItem('pouch.adminToken', 'pt-admin-stale'));
  await page.reload();
  await page.getByText('The admin token was refused').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('pouch.adminToken')), null);

  log('logging out clears the token');
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Admin token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('pouch.adminToken')), null);

  assert.deepEqual(consoleErrors, [], 'no uncaught errors in the page');
}

let exitCode = 0;
try {
  await run();
  console.log('admin-ui e2e: all steps passed');
} catch (error) {
  exitCode = 1;
  console.error(`admin-ui e2e: FAILED at step "${step}":\n${error?.stack ?? error}`);
  if (existsSync(logFile)) console.error(`--- pouch.jar output ---\n${readFileSync(logFile, 'utf8')}`);
} finally {
  await browser?.close().catch(() => undefined);
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        r();
      }, 10_000);
      server.on('exit', () => {
        clearTimeout(timer);
        r();
      });
    });
  }
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
