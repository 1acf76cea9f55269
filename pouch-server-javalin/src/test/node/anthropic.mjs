#!/usr/bin/env node
// Runs Messages API calls with the official npm `@anthropic-ai/sdk` client and prints ONE JSON line:
//   {"client":"anthropic-node","version":"1.x","results":[{scenario, ok, value|error, http, elapsed_ms}]}
// The same contract as run.mjs (see README.md), for Anthropic's client; --base-url is Pouch's root
// (the client appends /v1/messages). Each call gets its own client with the client's defaults
// (retries included) unless the call's `client` options say otherwise.
//
//   node anthropic.mjs --base-url http://127.0.0.1:8080 '{"scenario":"messages.create","key":"pa-..."}'
import Anthropic from '@anthropic-ai/sdk';
import { VERSION } from '@anthropic-ai/sdk/version';

const QUESTION = {
  model: 'claude-haiku-4-5',
  max_tokens: 200,
  messages: [{ role: 'user', content: 'Who are you?' }],
};

const scenarios = {
  /** POST /v1/messages, plain: `args` are body fields over a one-question default. */
  'messages.create': async (client, args) => {
    const { data, request_id } = await client.messages.create({ ...QUESTION, ...args }).withResponse();
    return {
      request_id,
      type: data.type,
      text: data.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
      stop_reason: data.stop_reason,
      usage: data.usage,
    };
  },

  /** POST /v1/messages, streamed: every event counted by type, the text and final usage kept. */
  'messages.stream': async (client, args) => {
    const { data: stream, request_id } = await client.messages
      .create({ ...QUESTION, ...args, stream: true })
      .withResponse();
    const events = {};
    let text = '';
    let stopReason = null;
    let outputTokens = null;
    for await (const event of stream) {
      events[event.type] = (events[event.type] ?? 0) + 1;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text += event.delta.text;
      }
      if (event.type === 'message_delta') {
        stopReason = event.delta.stop_reason;
        outputTokens = event.usage.output_tokens;
      }
    }
    return { request_id, events, text, stop_reason: stopReason, output_tokens: outputTokens };
  },
};

function parseArgs(argv) {
  const options = { baseURL: process.env.POUCH_BASE_URL, calls: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--base-url') {
      options.baseURL = argv[++i];
    } else {
      options.calls.push(JSON.parse(argv[i]));
    }
  }
  for (const call of options.calls) {
    if (!scenarios[call.scenario]) {
      process.stderr.write(`anthropic.mjs: unknown scenario ${call.scenario}\n`);
      process.exit(2);
    }
  }
  return options;
}

/** A fetch that notes each HTTP request the client sends and what came back. */
function recordingFetch(http, startedAt) {
  return async (url, init) => {
    const sent = { method: init?.method ?? 'GET', path: new URL(url).pathname, at_ms: Date.now() - startedAt };
    http.push(sent);
    const response = await fetch(url, init);
    sent.status = response.status;
    sent.request_id = response.headers.get('x-request-id');
    sent.should_retry = response.headers.get('x-should-retry');
    return response;
  };
}

function describe(error) {
  if (!(error instanceof Anthropic.APIError)) {
    return { class: error?.constructor?.name ?? typeof error, message: String(error?.stack ?? error) };
  }
  return {
    class: error.constructor.name,
    api_error: true,
    status: error.status ?? null,
    type: error.error?.error?.type ?? null,
    message: error.message,
    request_id: error.requestID ?? null,
  };
}

const options = parseArgs(process.argv.slice(2));
const results = [];
for (const call of options.calls) {
  const startedAt = Date.now();
  const http = [];
  const client = new Anthropic({
    ...(call.client ?? {}),
    apiKey: call.key,
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
  results.push(result);
}
process.stdout.write(
  JSON.stringify({ client: 'anthropic-node', version: VERSION, node: process.version, results }) + '\n',
);
