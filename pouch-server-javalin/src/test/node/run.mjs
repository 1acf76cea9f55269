#!/usr/bin/env node
// Runs scenarios of scenarios.mjs with the official npm `openai` client and prints ONE JSON line:
//   {"client":"openai-node","version":"6.x","results":[{scenario, ok, value|error, http, elapsed_ms}]}
// Each call gets its own client with the client's defaults (retries included) unless the call's
// `client` options say otherwise, and a fetch that records every HTTP request the client sends.
//
//   node run.mjs --base-url http://127.0.0.1:8080/v1 --key pa-... chat.create models.list
//   node run.mjs '{"scenario":"chat.stream","key":"pa-...","args":{"stream_options":{"include_usage":true}}}'
//
// --base-url / --key default to POUCH_BASE_URL / POUCH_KEY. A call is a scenario name or a JSON
// object {scenario, key?, args?, client?}. Exit status 0 when every call ran (an API error is a
// result), 2 when the invocation itself is wrong.
import OpenAI from 'openai';
import { VERSION } from 'openai/version';
import { scenarios } from './scenarios.mjs';

function usage(message) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { baseURL: process.env.POUCH_BASE_URL, key: process.env.POUCH_KEY, calls: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--base-url' || arg === '--key') {
      if (i + 1 >= argv.length) usage(`missing value after ${arg}`);
      options[arg === '--key' ? 'key' : 'baseURL'] = argv[++i];
    } else if (arg.startsWith('{')) {
      try {
        options.calls.push(JSON.parse(arg));
      } catch (e) {
        usage(`not JSON: ${arg} (${e.message})`);
      }
    } else {
      options.calls.push({ scenario: arg });
    }
  }
  if (!options.baseURL) usage('no base URL: --base-url or POUCH_BASE_URL');
  if (options.calls.length === 0) usage(`no scenario given; known: ${Object.keys(scenarios).join(', ')}`);
  for (const call of options.calls) {
    if (!scenarios[call.scenario]) usage(`unknown scenario ${call.scenario}`);
    if (!(call.key ?? options.key)) usage(`no key for ${call.scenario}: --key, POUCH_KEY or "key"`);
  }
  return options;
}

/** A fetch that notes each HTTP request the client sends and what came back. */
function recordingFetch(http, startedAt) {
  return async (url, init) => {
    const sent = { method: init?.method ?? 'GET', path: new URL(url).pathname, at_ms: Date.now() - startedAt };
    http.push(sent);
    try {
      const response = await fetch(url, init);
      sent.status = response.status;
      sent.request_id = response.headers.get('x-request-id');
      sent.retry_after = response.headers.get('retry-after');
      sent.should_retry = response.headers.get('x-should-retry');
      return response;
    } catch (e) {
      sent.failure = String(e);
      throw e;
    }
  };
}

/** An error as JSON: the client's class for it and what it read from the response. */
function describe(error) {
  if (!(error instanceof OpenAI.APIError)) {
    return { class: error?.constructor?.name ?? typeof error, message: String(error?.stack ?? error) };
  }
  return {
    class: error.constructor.name,
    api_error: true,
    status: error.status ?? null,
    code: error.code ?? null,
    type: error.type ?? null,
    param: error.param ?? null,
    message: error.message,
    request_id: error.requestID ?? null,
  };
}

async function runCall(call, options) {
  const startedAt = Date.now();
  const http = [];
  const client = new OpenAI({
    ...(call.client ?? {}),
    apiKey: call.key ?? options.key,
    baseURL: options.baseURL,
    fetch: recordingFetch(http, startedAt),
  });
  const result = { scenario: call.scenario };
  try {
    result.value = await scenarios[call.scenario](client, call.args ?? {});
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.error = describe(error);
  }
  result.http = http;
  result.elapsed_ms = Date.now() - startedAt;
  return result;
}

const options = parseArgs(process.argv.slice(2));
const results = [];
for (const call of options.calls) {
  results.push(await runCall(call, options)); // one after another: rate limits see them in order
}
process.stdout.write(
  JSON.stringify({ client: 'openai-node', version: VERSION, node: process.version, results }) + '\n',
);
