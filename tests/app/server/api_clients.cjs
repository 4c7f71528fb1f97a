// Real clients against `hearth-cli serve` on 127.0.0.1: the official `openai` and `ollama` npm
// packages, plus raw fetches for what a hostile or broken client sends. Run by api_server_test.sh.
// Usage: node api_clients.cjs BASE_URL KEYED_BASE_URL API_KEY SERVER_PID LOG_FILE
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const OpenAI = require('openai');
const { Ollama } = require('ollama');

const [base, keyedBase, apiKey, serverPid, logFile] = process.argv.slice(2);
const model = 'stories260K';
let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log('ok: ' + name);
  } catch (e) {
    failures++;
    console.log('FAIL: ' + name + ': ' + (e && e.stack ? e.stack : e));
  }
}
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${serverPid}/status`, 'utf8'))[1]);
const post = (path, body, headers = {}) =>
  fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

(async () => {
  const openai = new OpenAI({ baseURL: base + '/v1', apiKey: 'not-needed', maxRetries: 0 });
  const ollama = new Ollama({ host: base });
  const greedy = { temperature: 0, seed: 7 };

  await check('models list', async () => {
    const list = await openai.models.list();
    assert.ok(list.data.some((m) => m.id === model), JSON.stringify(list.data));
  });

  let whole;
  await check('chat completion, whole', async () => {
    whole = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 24, ...greedy });
    assert.equal(whole.object, 'chat.completion');
    assert.equal(whole.choices[0].message.role, 'assistant');
    assert.ok(whole.choices[0].message.content.length > 0);
    assert.equal(whole.choices[0].finish_reason, 'length');
    assert.equal(whole.usage.completion_tokens, 24);
    assert.ok(whole.usage.prompt_tokens > 3);
    assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + 24);
  });

  await check('chat completion, streamed: the same greedy text, then usage and [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 24, stream: true,
      stream_options: { include_usage: true }, ...greedy,
    });
    let text = '', chunks = 0, usage = null, finish = null;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta.content || '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.ok(chunks > 5, 'streamed in pieces, not at once');
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, 'length');
    assert.deepEqual(usage, whole.usage);
  });

  await check('stop strings end the reply before them', async () => {
    const long = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Lily' }], max_tokens: 40, ...greedy });
    const text = long.choices[0].message.content;
    const words = text.trim().split(/\s+/);
    assert.ok(words.length > 4, text);
    const stop = ' ' + words[3];
    const cut = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Lily' }], max_tokens: 40, stop: [stop], ...greedy });
    assert.equal(cut.choices[0].finish_reason, 'stop');
    assert.equal(cut.choices[0].message.content, text.slice(0, text.indexOf(stop)));
  });

  await check('completions (raw prompt), whole and streamed', async () => {
    const c = await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 16, ...greedy });
    assert.equal(c.object, 'text_completion');
    assert.ok(c.choices[0].text.length > 0);
    assert.equal(c.usage.completion_tokens, 16);
    let text = '';
    for await (const chunk of await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 16, stream: true, ...greedy }))
      text += chunk.choices[0]?.text || '';
    assert.equal(text, c.choices[0].text);
  });

  await check('errors in OpenAI shape: unknown model 404, bad values 400', async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e.status === 404 && /does not exist/.test(e.message) && e.error?.code === 'model_not_found');
    await assert.rejects(openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], temperature: 5 }),
      (e) => e.status === 400 && /temperature/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: -3 }),
      (e) => e.status === 400 && /max_tokens/.test(e.message));
  });

  await check('an API key guards every request', async () => {
    const noKey = new OpenAI({ baseURL: keyedBase + '/v1', apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(noKey.models.list(), (e) => e.status === 401);
    const keyed = new OpenAI({ baseURL: keyedBase + '/v1', apiKey, maxRetries: 0 });
    const list = await keyed.models.list();
    assert.ok(list.data.length > 0);
    const raw = await fetch(keyedBase + '/api/tags');
    assert.equal(raw.status, 401);
  });

  await check('tools: offered through the model template, a tool round trip, refused where the format has none', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'The weather now in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const ask = [{ role: 'user', content: 'Weather in Paris?' }];
    const plain = await openai.chat.completions.create({ model: 'qwen-tools', messages: ask, max_tokens: 4 });
    const withTools = await openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools, max_tokens: 4 });
    assert.ok(withTools.usage.prompt_tokens > plain.usage.prompt_tokens + 20,
      `the tool definitions are in the prompt (${withTools.usage.prompt_tokens} vs ${plain.usage.prompt_tokens} tokens)`);
    const none = await openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools, tool_choice: 'none', max_tokens: 4 });
    assert.equal(none.usage.prompt_tokens, plain.usage.prompt_tokens, "tool_choice 'none' does not offer them");
    // The call the model made and the tool's answer go back through the template.
    const roundTrip = await openai.chat.completions.create({
      model: 'qwen-tools', tools, max_tokens: 4, messages: [...ask,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123xyz', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_abc123xyz', content: '{"temperature": 21}' }],
    });
    assert.ok(roundTrip.usage.prompt_tokens > withTools.usage.prompt_tokens + 10);
    assert.ok(['stop', 'length', 'tool_calls'].includes(roundTrip.choices[0].finish_reason));
    await assert.rejects(openai.chat.completions.create({ model, messages: ask, tools }),
      (e) => e.status === 400 && /no tool calling/.test(e.message));
    // A required call is made, in the model's own format, with arguments matching the schema.
    const strict = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object',
      properties: { city: { type: 'string', maxLength: 20 }, unit: { enum: ['c', 'f'] } }, required: ['city', 'unit'] } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', maxLength: 8 } }, required: ['zone'] } } }];
    for (const seed of [1, 2, 3]) {
      const forced = await openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools: strict, seed, max_tokens: 300,
        tool_choice: { type: 'function', function: { name: 'get_weather' } } });
      assert.equal(forced.choices[0].finish_reason, 'tool_calls');
      const call = forced.choices[0].message.tool_calls[0];
      assert.equal(call.function.name, 'get_weather');
      const args = JSON.parse(call.function.arguments);
      assert.equal(typeof args.city, 'string');
      assert.ok(['c', 'f'].includes(args.unit));
    }
    let streamedCall = null, finish = null;
    for await (const chunk of await openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools: strict, seed: 4,
      max_tokens: 300, stream: true, tool_choice: 'required' })) {
      for (const c of chunk.choices) {
        if (c.delta.tool_calls) streamedCall = c.delta.tool_calls[0];
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.ok(['get_weather', 'get_time'].includes(streamedCall.function.name));
    await assert.rejects(openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools: strict,
      tool_choice: { type: 'function', function: { name: 'nope' } } }), (e) => e.status === 400 && /nope/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'qwen-tools', messages: [{ role: 'tool', content: 'x' }] }),
      (e) => e.status === 400 && /tool_call_id/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'qwen-tools', messages: ask, tools: [{ type: 'function', function: {} }] }),
      (e) => e.status === 400 && /name/.test(e.message));
  });

  await check('structured output: json_schema and json_object replies parse and match; Ollama format too', async () => {
    const schema = { type: 'object', properties: {
      name: { type: 'string', maxLength: 12 }, age: { type: 'integer' },
      pets: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 3 }, happy: { type: 'boolean' },
      mood: { enum: ['calm', 'glad'] } }, required: ['name', 'age', 'pets', 'happy', 'mood'] };
    for (const seed of [1, 2, 3]) {
      const r = await openai.chat.completions.create({ model, seed, max_tokens: 400, messages: [{ role: 'user', content: 'A person' }],
        response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } } });
      const v = JSON.parse(r.choices[0].message.content);
      assert.deepEqual(Object.keys(v).sort(), ['age', 'happy', 'mood', 'name', 'pets']);
      assert.ok(typeof v.name === 'string' && [...v.name].length <= 12);
      assert.ok(Number.isInteger(v.age));
      assert.ok(Array.isArray(v.pets) && v.pets.length <= 3 && v.pets.every((p) => typeof p === 'string'));
      assert.equal(typeof v.happy, 'boolean');
      assert.ok(['calm', 'glad'].includes(v.mood));
      assert.equal(r.choices[0].finish_reason, 'stop');
    }
    // Streamed, the pieces join into the same kind of value.
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ model, seed: 9, max_tokens: 400, stream: true,
      messages: [{ role: 'user', content: 'A person' }], response_format: { type: 'json_schema', json_schema: { name: 'p', schema } } }))
      text += chunk.choices[0]?.delta?.content || '';
    assert.ok(['calm', 'glad'].includes(JSON.parse(text).mood));
    const small = { type: 'object', properties: { ok: { type: 'boolean' }, n: { type: 'integer' } }, required: ['ok', 'n'] };
    const o = await ollama.chat({ model, messages: [{ role: 'user', content: 'x' }], format: small, stream: false, options: { num_predict: 200 } });
    assert.equal(typeof JSON.parse(o.message.content).ok, 'boolean');
    await assert.rejects(openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { anyOf: [{ type: 'string' }] } } } }),
      (e) => e.status === 400 && /anyOf/.test(e.message));
  });

  await check("ollama: tools offered and a tool round trip in Ollama's shapes", async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'The weather now in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const options = { num_predict: 4, temperature: 0 };
    const plain = await ollama.chat({ model: 'qwen-tools', messages, stream: false, options });
    const offered = await ollama.chat({ model: 'qwen-tools', messages, tools, stream: false, options });
    assert.ok(offered.prompt_eval_count > plain.prompt_eval_count + 20, `${offered.prompt_eval_count} vs ${plain.prompt_eval_count}`);
    const back = await ollama.chat({ model: 'qwen-tools', tools, stream: false, options, messages: [...messages,
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"temperature": 21}', tool_name: 'get_weather' }] });
    assert.ok(back.prompt_eval_count > offered.prompt_eval_count + 10);
    await assert.rejects(ollama.chat({ model, messages, tools, stream: false }), (e) => /no tool calling/.test(e.message));
  });

  await check('ollama: list, show, version', async () => {
    const tags = await ollama.list();
    assert.ok(tags.models.some((m) => m.name === model + ':latest'), JSON.stringify(tags));
    const shown = await ollama.show({ model });
    assert.equal(shown.details.family, 'llama');
    assert.equal(shown.details.format, 'gguf');
    const version = await (await fetch(base + '/api/version')).json();
    assert.match(version.version, /^\d+\.\d+\.\d+$/);
  });

  await check('ollama: chat whole and streamed agree; generate', async () => {
    const options = { num_predict: 16, temperature: 0, seed: 3 };
    const messages = [{ role: 'user', content: 'Once upon a time' }];
    const r = await ollama.chat({ model, messages, stream: false, options });
    assert.equal(r.done, true);
    assert.equal(r.eval_count, 16);
    assert.ok(r.message.content.length > 0);
    let text = '', parts = 0, last;
    for await (const part of await ollama.chat({ model, messages, stream: true, options })) {
      parts++;
      text += part.message.content;
      last = part;
    }
    assert.ok(parts > 5);
    assert.equal(text, r.message.content);
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'length');
    const g = await ollama.generate({ model, prompt: 'Once upon a time', stream: false, options });
    assert.ok(g.response.length > 0);
    const raw = await ollama.generate({ model, prompt: 'Once upon a time', raw: true, stream: false, options });
    assert.ok(raw.response.length > 0);
  });

  await check('hostile requests get their status and change nothing', async () => {
    const cases = [
      ['/v1/chat/completions', '{"messages": [', 400, /not valid JSON/],
      ['/v1/chat/completions', '[1,2,3]', 400, /JSON object/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: 'hello' }), 400, /messages/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'wizard', content: 'x' }] }), 400, /role/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 5 }] }), 400, /content/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: 'many' }), 400, /max_tokens/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: 1e12 }), 400, /max_tokens/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], temprature: 0.5 }), 400, /unknown field 'temprature'/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], n: 3 }), 400, /'n'/],
      ['/v1/chat/completions', JSON.stringify({ model, messages: Array(5000).fill({ role: 'user', content: 'x' }) }), 400, /at most/],
      ['/v1/chat/completions', 'x'.repeat(10 * 1024 * 1024), 413, /too large/],
      ['/v1/completions', JSON.stringify({ model, prompt: { file: '/etc/passwd' } }), 400, /prompt/],
      ['/api/chat', JSON.stringify({ model: '../../../etc/passwd', messages: [{ role: 'user', content: 'x' }] }), 404, /does not exist/],
      ['/api/generate', JSON.stringify({ prompt: 'x' }), 400, /model/],
    ];
    for (const [path, body, status, pattern] of cases) {
      const r = await post(path, body);
      const text = await r.text();
      assert.equal(r.status, status, `${path} ${body.slice(0, 60)}: ${text.slice(0, 200)}`);
      const j = JSON.parse(text);
      if (path.startsWith('/api/')) {
        assert.match(j.error, pattern);  // Ollama's shape: {"error": "message"}
      } else {
        assert.match(j.error.message, pattern);  // OpenAI's: {"error": {"message", "type", "code"}}
        assert.ok(j.error.type && j.error.code, text);
      }
    }
    for (const path of ['/../../etc/passwd', '/v1/models/..%2F..%2Fetc%2Fpasswd', '/v1/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await fetch(base + path);
      const text = await r.text();
      assert.ok(r.status === 404 || r.status === 400, path + ': ' + r.status);
      assert.ok(!text.includes('root:'), path + ' leaked a file');
    }
    // And the model still answers.
    const ok = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Once' }], max_tokens: 4 });
    assert.equal(ok.usage.completion_tokens, 4);
  });

  await check('a client that leaves mid-stream frees the model within a token', async () => {
    const controller = new AbortController();
    const r = await post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'Once upon a time' }], stream: true, max_tokens: 1500, temperature: 0 }), {});
    const reader = r.body.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    // The server says how many tokens it made for the stream the client left.
    let line;
    for (let i = 0; i < 100 && !line; i++) {
      await new Promise((res) => setTimeout(res, 50));
      line = fs.readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('cancelled (the client left)'));
    }
    assert.ok(line, 'the server logged the cancelled stream');
    const made = Number(/\+ (\d+) reply tokens/.exec(line)[1]);
    // It notices at its next write after the client's socket closes; stories260K writes ~4,000
    // tokens a second, so "soon" is tens of milliseconds here, far from the 1,500 asked for.
    assert.ok(made < 750, 'it stopped soon after the client left, not at 1500: ' + line);
    void controller;
  });

  await check('16 concurrent streaming clients all finish; memory stays flat', async () => {
    // The first round warms up (buffers, thread stacks); the second must not add to it.
    let before = 0;
    for (let round = 0; round < 3; round++) {
      if (round === 1) before = rssKb();
      const streams = Array.from({ length: 16 }, async (_, i) => {
        let text = '', finish = null;
        const s = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Tell story ' + i }], max_tokens: 48, stream: true });
        for await (const chunk of s) for (const c of chunk.choices) { text += c.delta.content || ''; finish = c.finish_reason || finish; }
        assert.ok(finish === 'length' || finish === 'stop', 'stream ' + i + ' ended with ' + finish);
        return text;
      });
      const texts = await Promise.all(streams);
      assert.equal(texts.length, 16);
    }
    const after = rssKb();
    assert.ok(after - before < 32 * 1024, `resident memory grew by ${after - before} kB over 32 streams after a warm-up round`);
  });

  console.log(failures ? `${failures} API client checks failed` : 'all API client checks passed');
  process.exit(failures ? 1 : 0);
})();
