// Starts the real plaza binary (the sanitizer build) on port 0 for a test, with its own data folder
// and database, and stops it afterwards.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './pg.mjs';
import { stopAfterTheFile } from './leftovers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const plazaBinary = process.env.PLAZA_BIN || join(root, 'build-debug', 'plaza');

export const backends = ['sqlite', 'postgres'];

// options: backend ('sqlite' | 'postgres'), settings (flag name -> value), env, webDir, and
// `restart` (a stopped or killed plaza whose data folder and database to start again on).
export async function startPlaza(options = {}) {
  if (!existsSync(plazaBinary)) throw new Error(`${plazaBinary} is missing: run make test (it builds it)`);
  const dataDir = options.restart?.dataDir || mkdtempSync(join(tmpdir(), 'plaza-test-'));
  const backend = options.restart?.backend || options.backend || 'sqlite';
  const databaseUrl = options.restart?.databaseUrl || (backend === 'postgres' ? freshDatabase() : `sqlite:${dataDir}/plaza.db`);
  const settings = {
    listen: '127.0.0.1:0',
    'data-dir': dataDir,
    'database-url': databaseUrl,
    'web-dir': options.webDir || join(root, 'web', 'dist'),
    'password-cost': 'min',
    'io-threads': '2',
    ...(options.settings || {}),
  };
  const args = [];
  for (const [k, v] of Object.entries(settings)) args.push(`--${k}`, String(v));
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...(options.env || {}) };
  const child = spawn(plazaBinary, ['serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  stopAfterTheFile(() => child.kill('SIGKILL'), exited);
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`plaza did not start:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); res(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code }) => { clearTimeout(timer); rej(new Error(`plaza exited (${code}) before listening:\n${output}`)); });
  });
  const plaza = {
    url,
    port: Number(new URL(url).port),
    dataDir,
    databaseUrl,
    backend,
    child,
    exited,
    log: () => output,
    // Runs another plaza command (e.g. admin create) against the same database.
    cli(...cliArgs) {
      return execFileSync(plazaBinary, [...cliArgs, '--data-dir', dataDir, '--database-url', databaseUrl,
        '--password-cost', 'min'], { encoding: 'utf8', env });
    },
    // SIGKILL: no drain, no cleanup, the data folder stays for a restart.
    async kill() {
      child.kill('SIGKILL');
      return exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const result = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(output)) {
        const at = output.search(/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
        throw new Error(`sanitizer report in plaza's output:\n${output.slice(Math.max(0, at - 200), at + 12000)}`);
      }
      return result;
    },
  };
  return plaza;
}
