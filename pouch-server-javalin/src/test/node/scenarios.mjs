// The calls the npm `openai` client makes against Pouch, one entry per scenario: the place to add an
// endpoint (see README.md). A scenario gets a configured client and the call's `args`, and returns
// plain JSON for the Java side to assert on; an error it throws becomes the call's `error` in
// run.mjs, so refusals are results too.

const QUESTION = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Who are you?' }],
};

export const scenarios = {
  /** POST /chat/completions, plain: `args` are body fields over a one-question default. */
  'chat.create': async (client, args) => {
    const { data, request_id } = await client.chat.completions
      .create({ ...QUESTION, ...args, stream: false })
      .withResponse();
    return {
      request_id,
      id: data.id,
      object: data.object,
      model: data.model,
      choices: data.choices.map((c) => ({
        content: c.message.content,
        finish_reason: c.finish_reason,
      })),
      usage: data.usage,
    };
  },

  /**
   * POST /chat/completions, streamed: every chunk is read and classified (role, content, finish,
   * usage), so the Java side can compare the count with what the upstream sent. With
   * `stop_after_content_chunks: n` (not sent) the loop breaks after n content chunks, which makes
   * the client abort the response ("Stop generating").
   */
  'chat.stream': async (client, { stop_after_content_chunks: stopAfter, ...args }) => {
    const { data: stream, request_id } = await client.chat.completions
      .create({ ...QUESTION, ...args, stream: true })
      .withResponse();
    const seen = { chunks: 0, role_chunks: 0, content_chunks: 0, finish_chunks: 0, usage_chunks: 0 };
    const ids = new Set();
    let text = '';
    let finishReason = null;
    let usage = null;
    for await (const chunk of stream) {
      seen.chunks++;
      ids.add(chunk.id);
      for (const choice of chunk.choices) {
        if (choice.delta?.role) seen.role_chunks++;
        if (choice.delta?.content) {
          seen.content_chunks++;
          text += choice.delta.content;
        }
        if (choice.finish_reason) {
          seen.finish_chunks++;
          finishReason = choice.finish_reason;
        }
      }
      if (chunk.usage) {
        seen.usage_chunks++;
        usage = chunk.usage;
      }
      if (stopAfter !== undefined && seen.content_chunks >= stopAfter) {
        break;
      }
    }
    const stopped = stopAfter !== undefined && seen.content_chunks >= stopAfter;
    return { request_id, ...seen, chunk_ids: ids.size, text, finish_reason: finishReason, usage, stopped };
  },

  /**
   * POST /embeddings: `args` are body fields over a one-string default. Without an
   * `encoding_format` the client asks for base64 and decodes it into numbers itself.
   */
  'embeddings.create': async (client, args) => {
    const { data, request_id } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'one two three', ...args })
      .withResponse();
    return {
      request_id,
      object: data.object,
      model: data.model,
      embeddings: data.data.map((e) => ({
        index: e.index,
        numbers: Array.isArray(e.embedding) && e.embedding.every(Number.isFinite),
        length: e.embedding.length,
        norm: Array.isArray(e.embedding) ? Math.hypot(...e.embedding) : null,
      })),
      usage: data.usage,
    };
  },

  /** POST /responses, plain: `args` are body fields over a one-question default. */
  'responses.create': async (client, args) => {
    const { data, request_id } = await client.responses
      .create({ model: 'gpt-4o-mini', input: 'Who are you?', ...args, stream: false })
      .withResponse();
    return {
      request_id,
      id: data.id,
      object: data.object,
      status: data.status,
      incomplete_reason: data.incomplete_details?.reason ?? null,
      text: data.output_text,
      usage: data.usage,
    };
  },

  /**
   * POST /responses, streamed: every event is counted by type; the text is the text deltas joined,
   * the usage the final response's.
   */
  'responses.stream': async (client, args) => {
    const { data: stream, request_id } = await client.responses
      .create({ model: 'gpt-4o-mini', input: 'Who are you?', ...args, stream: true })
      .withResponse();
    const types = {};
    let text = '';
    let last = null;
    for await (const event of stream) {
      types[event.type] = (types[event.type] ?? 0) + 1;
      if (event.type === 'response.output_text.delta') text += event.delta;
      last = event;
    }
    return { request_id, types, text, last_type: last?.type ?? null, usage: last?.response?.usage ?? null };
  },

  /** POST /completions (legacy), plain: `args` are body fields over a one-prompt default. */
  'completions.create': async (client, args) => {
    const { data, request_id } = await client.completions
      .create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say something', ...args, stream: false })
      .withResponse();
    return {
      request_id,
      object: data.object,
      choices: data.choices.map((c) => ({ index: c.index, text: c.text, finish_reason: c.finish_reason })),
      usage: data.usage,
    };
  },

  /** POST /completions (legacy), streamed: the text per choice index, and the usage chunk's usage. */
  'completions.stream': async (client, args) => {
    const { data: stream, request_id } = await client.completions
      .create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say something', ...args, stream: true })
      .withResponse();
    const texts = {};
    let chunks = 0;
    let usage = null;
    for await (const chunk of stream) {
      chunks++;
      for (const choice of chunk.choices ?? []) texts[choice.index] = (texts[choice.index] ?? '') + choice.text;
      if (chunk.usage) usage = chunk.usage;
    }
    return { request_id, chunks, texts, usage };
  },

  /** GET /models: the ids the key can reach. */
  'models.list': async (client) => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    return { ids };
  },

  /** GET /models/{model}. */
  'models.retrieve': async (client, { model }) => {
    const found = await client.models.retrieve(model);
    return { id: found.id, object: found.object, owned_by: found.owned_by };
  },
};
