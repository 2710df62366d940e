// Starts the scripted fake upstream (plaza-fake-upstream) on port 0 for a test and stops it after.
//
//   const fake = await startFake({ requireKeys: ['sk-up-1'] });
//   ... point a channel at fake.url (OpenAI: fake.url + '/v1', Anthropic: fake.url) ...
//   await fake.waitForStats((s) => s.streams_client_closed >= 1);
//   await fake.stop();
//
// Scenarios: header `x-fake-scenario: NAME k=v ...` or, since relays may drop unknown headers, a
// directive in the last user message: `[[fake:NAME k=v k="quoted value"]]`. Names: ok, slow
// (delay_ms between events), delay (delay_ms before the head), stall (after=1 pieces, then nothing
// until the client leaves), close_after_headers, reset_mid_stream (after=3 pieces, then RST),
// status (code=401|429|500|503|..., retry_after, message), malformed_sse (after), no_usage,
// long (chunks=1000), echo (answers with the messages' text joined by newlines), tool_call
// (get_weather {"city":"Paris"}, or arguments="..."). Any scenario takes chunks=N and text="...".
// A request whose tool_choice names one tool gets a call of that tool, as a model's would be; the
// Anthropic dialect refuses, as Anthropic does, tool_use blocks in a request that defines no tools.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopAfterTheFile } from '../lib/leftovers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fakeBinary = process.env.PLAZA_FAKE_UPSTREAM_BIN || join(root, 'build-debug', 'plaza-fake-upstream');

// options: requireKeys (array), chunks, text, threads, recordCap, models (array), args (extra flags)
export async function startFake(options = {}) {
  if (!existsSync(fakeBinary)) {
    throw new Error(`${fakeBinary} is missing: ninja -C build-debug plaza-fake-upstream`);
  }
  const args = ['--listen', '127.0.0.1:0', '--threads', String(options.threads || 1)];
  for (const key of options.requireKeys || []) args.push('--require-key', key);
  if (options.chunks !== undefined) args.push('--chunks', String(options.chunks));
  if (options.text !== undefined) args.push('--text', options.text);
  if (options.recordCap !== undefined) args.push('--record-cap', String(options.recordCap));
  if (options.models) args.push('--models', options.models.join(','));
  args.push(...(options.args || []));

  const env = { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' };
  const child = spawn(fakeBinary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  stopAfterTheFile(() => child.kill('SIGKILL'), exited);
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the fake upstream did not start:\n${output}`)), 15000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = output.match(/fake upstream listening on (http:\/\/[0-9.]+:(\d+))/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`the fake upstream exited (${code ?? signal}):\n${output}`));
    });
  });
  const getJson = async (path, init) => {
    const res = await fetch(url + path, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  const fake = {
    url,
    port: Number(new URL(url).port),
    child,
    output: () => output,
    stats: () => getJson('/_fake/stats'),
    // [{seq, time_ms, method, path, query, headers: {lower-case name: value}, body}], oldest first
    requests: () => getJson('/_fake/requests'),
    reset: () => getJson('/_fake/reset', { method: 'POST' }),
    // Polls the counters until predicate(stats) holds; throws with the last counters at the deadline.
    async waitForStats(predicate, { timeout = 5000, interval = 20 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const s = await fake.stats();
        if (predicate(s)) return s;
        if (Date.now() > deadline) throw new Error(`fake upstream stats never matched: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, interval));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const result = await exited;
      clearTimeout(killer);
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(output)) {
        throw new Error(`sanitizer report in the fake upstream's output:\n${output.slice(-4000)}`);
      }
      return result;
    },
  };
  return fake;
}
