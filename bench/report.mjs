// Turns bench/run.sh's raw results (one JSON object per run) into the Markdown table it prints.
// usage: node report.mjs results.jsonl meta.json
import { readFileSync } from 'node:fs';

const [resultsFile, metaFile] = process.argv.slice(2);
const rows = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const meta = JSON.parse(readFileSync(metaFile, 'utf8'));

// Measured against the peers: Pouch, and the bare Javalin + OkHttp hop it is built on (its floor).
const SUBJECTS = ['hop', 'pouch-jdk25', 'pouch-jdk17'];
const NAMES = {
  direct: 'direct (floor)',
  nginx: 'nginx',
  portkey: 'Portkey',
  hop: 'hop (Javalin + OkHttp, no accounting)',
  'pouch-jdk25': 'Pouch JDK 25',
  'pouch-jdk17': 'Pouch JDK 17',
};
const SCENARIOS = {
  c50: `plain, ${meta.conns} connections`,
  c1: 'plain, 1 connection',
  slow200: `plain, ${meta.slow_latency_ms} ms upstream, ${meta.slow_conns} connections`,
  stream50: `stream, ${meta.streams} concurrent`,
  stream1: 'stream, 1 at a time',
};

const rate = (r) => (r.requests * 1e6) / r.duration_us;
const ms = (us) => (us / 1000).toFixed(us >= 100000 ? 0 : us >= 10000 ? 1 : 2);
const cpuPerRequest = (r, ticks) => {
  const done = r.kind === 'stream' ? r.completed_all : r.requests;
  return ticks === null || !done ? null : ((ticks / r.clk_tck) * 1e6) / done;
};
const num = (x, digits = 0) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const signed = (x, digits) => (x >= 0 ? '+' : '') + num(x, digits);
const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);
const find = (scenario, target) => rows.find((r) => r.scenario === scenario && r.target === target);

const out = [];
out.push(`Run of ${meta.date}, commit \`${meta.commit}\`${meta.quick ? ' (**quick run**: short, noisy)' : ''}.`);
out.push(
  `Machine: ${meta.nproc} CPUs, ${meta.mem_gib} GiB, Linux ${meta.kernel}. Each run: ${meta.warmup_s} s warm-up ` +
    `(${meta.first_warmup_s} s for a target's first run, ${meta.jvm_first_warmup_s ?? meta.first_warmup_s} s for Pouch's), then ${meta.duration_s} s measured. ` +
    `Requests: \`gpt-4o-mini\`, ${meta.prompt_bytes}-byte user message, \`max_tokens\` 256; streams carry ` +
    `${meta.stream_words} one-word events ${meta.stream_chunk_delay_ms} ms apart. CPU = the process's user+system ` +
    'time (all its processes for nginx) ÷ requests completed. "Others" = share of the machine\'s CPU used during the ' +
    'measured run by processes that are not part of it (other users of the machine): it should be near 0 %.',
);
if (meta.key_middlewares)
  out.push(`Pouch's keys: provider \`openai\` on the fake upstream, a budget, middlewares: ${meta.key_middlewares}.`);
if (meta.versions) out.push(`Software: ${meta.versions.split(';').join(', ')}.`);
out.push('');

const plain = rows.filter((r) => r.kind === 'wrk');
if (plain.length) {
  out.push('### Plain answers (wrk, 2 threads; 1 thread for 1 connection)');
  out.push('');
  out.push('| scenario | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | upstream CPU µs/req | errors | others |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of plain) {
    out.push(
      `| ${SCENARIOS[r.scenario] ?? r.scenario} | ${NAMES[r.target] ?? r.target} | ${num(rate(r))} | ${ms(r.p50_us)} | ` +
        `${ms(r.p99_us)} | ${num(cpuPerRequest(r, r.proxy_cpu_ticks))} | ${num(cpuPerRequest(r, r.upstream_cpu_ticks))} | ` +
        `${r.errors} | ${r.others_during_pct}% |`,
    );
  }
  out.push('');
}

const streams = rows.filter((r) => r.kind === 'stream');
if (streams.length) {
  out.push('### Streams (bench/StreamLoad.java; TTFB = time to the first byte of the body, i.e. the first event)');
  out.push('');
  out.push(
    '| scenario | target | streams/s | TTFB p50 ms | TTFB p99 ms | total p50 ms | total p99 ms | proxy CPU µs/stream | upstream CPU µs/stream | errors | others |',
  );
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of streams) {
    out.push(
      `| ${SCENARIOS[r.scenario] ?? r.scenario} | ${NAMES[r.target] ?? r.target} | ${num(rate(r), 1)} | ${ms(r.ttfb_p50_us)} | ` +
        `${ms(r.ttfb_p99_us)} | ${ms(r.p50_us)} | ${ms(r.p99_us)} | ${num(cpuPerRequest(r, r.proxy_cpu_ticks))} | ` +
        `${num(cpuPerRequest(r, r.upstream_cpu_ticks))} | ${r.errors} | ${r.others_during_pct}% |`,
    );
  }
  out.push('');
}

// Ratios of each subject to the peers, per scenario.
const subjects = SUBJECTS.filter((p) => rows.some((r) => r.target === p));
const scenarios = [...new Set(rows.map((r) => r.scenario))];
if (subjects.length) {
  out.push('### Pouch and its bare stack against the peers (same run)');
  out.push('');
  out.push(`| scenario | measure | ${subjects.map((p) => NAMES[p]).join(' | ')} |`);
  out.push(`|---|---|${subjects.map(() => '--:').join('|')}|`);
  for (const s of scenarios) {
    const direct = find(s, 'direct');
    const nginx = find(s, 'nginx');
    const portkey = find(s, 'portkey');
    const hop = find(s, 'hop');
    const cells = (f) => subjects.map((p) => (find(s, p) ? f(find(s, p)) : '—')).join(' | ');
    const line = (measure, f) => out.push(`| ${SCENARIOS[s] ?? s} | ${measure} | ${cells(f)} |`);
    const stream = (direct ?? nginx ?? portkey ?? {}).kind === 'stream';
    const unit = stream ? 'streams/s' : 'req/s';
    if (nginx) line(`${unit} ÷ nginx`, (r) => num(ratio(rate(r), rate(nginx)), 2));
    if (portkey) line(`${unit} ÷ Portkey`, (r) => num(ratio(rate(r), rate(portkey)), 2));
    if (nginx)
      line('CPU/req ÷ nginx', (r) =>
        num(ratio(cpuPerRequest(r, r.proxy_cpu_ticks), cpuPerRequest(nginx, nginx.proxy_cpu_ticks)), 1),
      );
    if (portkey)
      line('CPU/req ÷ Portkey', (r) =>
        num(ratio(cpuPerRequest(r, r.proxy_cpu_ticks), cpuPerRequest(portkey, portkey.proxy_cpu_ticks)), 2),
      );
    if (hop) {
      const notHop = (f) => (r) => (r.target === 'hop' ? '—' : f(r));
      line(`${unit} ÷ hop`, notHop((r) => num(ratio(rate(r), rate(hop)), 2)));
      line(
        'CPU/req ÷ hop',
        notHop((r) => num(ratio(cpuPerRequest(r, r.proxy_cpu_ticks), cpuPerRequest(hop, hop.proxy_cpu_ticks)), 1)),
      );
    }
    if (direct && !stream) {
      line('p99 − direct (ms)', (r) => num((r.p99_us - direct.p99_us) / 1000, 2));
      if (nginx) line('nginx: p99 − direct (ms)', () => num((nginx.p99_us - direct.p99_us) / 1000, 2));
    }
    if (direct && stream) line('TTFB p50 − direct (ms)', (r) => num((r.ttfb_p50_us - direct.ttfb_p50_us) / 1000, 2));
    if (direct && stream && nginx) {
      line('nginx: TTFB p50 − direct (ms)', () => num((nginx.ttfb_p50_us - direct.ttfb_p50_us) / 1000, 2));
    }
  }
  out.push('');

  // The targets of issue 8, checked on the throughput and streaming scenarios.
  const c = (s, t) => find(s, t);
  if (c('c50', 'nginx') || c('stream50', 'direct')) {
    out.push('### Targets of issue 8');
    out.push('');
    out.push(`| target | ${subjects.map((p) => NAMES[p]).join(' | ')} |`);
    out.push(`|---|${subjects.map(() => '---').join('|')}|`);
    const check = (label, f) =>
      out.push(
        `| ${label} | ${subjects
          .map((p) => {
            const v = f(p);
            return v === null ? '—' : `${v.ok ? '✅' : '❌'} ${v.text}`;
          })
          .join(' | ')} |`,
      );
    const nginx = c('c50', 'nginx');
    const direct = c('c50', 'direct');
    if (nginx) {
      check(`throughput ≥ 50 % of nginx (${meta.conns} conns)`, (p) => {
        const r = c('c50', p);
        if (!r) return null;
        const x = rate(r) / rate(nginx);
        return { ok: x >= 0.5, text: `${num(100 * x)} %` };
      });
      if (direct)
        check('added p99 ≤ 2 × nginx added p99', (p) => {
          const r = c('c50', p);
          if (!r) return null;
          const added = (r.p99_us - direct.p99_us) / 1000;
          const nginxAdded = (nginx.p99_us - direct.p99_us) / 1000;
          return {
            ok: added <= 2 * Math.max(nginxAdded, 0),
            text: `${signed(added, 1)} ms vs nginx ${signed(nginxAdded, 1)} ms`,
          };
        });
      check('CPU/request ≤ 3 × nginx', (p) => {
        const r = c('c50', p);
        if (!r) return null;
        const x = cpuPerRequest(r, r.proxy_cpu_ticks) / cpuPerRequest(nginx, nginx.proxy_cpu_ticks);
        return { ok: x <= 3, text: `${num(x, 1)} ×` };
      });
    }
    for (const s of ['stream50', 'stream1']) {
      const d = c(s, 'direct');
      if (d)
        check(`stream TTFB p50 ≤ direct + 1 ms (${SCENARIOS[s]})`, (p) => {
          const r = c(s, p);
          if (!r) return null;
          const x = (r.ttfb_p50_us - d.ttfb_p50_us) / 1000;
          return { ok: x <= 1 && r.errors === 0, text: `${signed(x, 2)} ms` };
        });
    }
    out.push('');
  }
}

const noisy = rows.filter((r) => r.others_during_pct > 10);
if (noisy.length) {
  out.push(
    `⚠ ${noisy.length} run(s) shared the machine with other processes using more than 10 % of its CPU: ` +
      noisy.map((r) => `${r.scenario}/${r.target} ${r.others_during_pct}%`).join(', ') +
      '. Their figures are pessimistic.',
  );
  out.push('');
}
const failed = rows.filter((r) => r.errors > 0 || r.requests === 0);
if (failed.length) {
  out.push(
    `⚠ runs with errors or no requests: ${failed.map((r) => `${r.scenario}/${r.target} (${r.errors} errors, ${r.requests} ok)`).join(', ')}.`,
  );
  out.push('');
}
process.stdout.write(out.join('\n'));
