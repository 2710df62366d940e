// The PostgreSQL server the tests use: the one `make test` started (PLAZA_TEST_PG_URL), or a
// throwaway cluster started here on first use and stopped when the test process exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const clusterScript = join(here, '..', 'pg', 'cluster.sh');
let serverUrl = process.env.PLAZA_TEST_PG_URL || null;

function server() {
  if (serverUrl) return serverUrl;
  const dir = mkdtempSync(join(tmpdir(), 'plaza-pg-'));
  serverUrl = execFileSync('bash', [clusterScript, 'start', dir], { encoding: 'utf8' }).trim();
  process.on('exit', () => {
    try { execFileSync('bash', [clusterScript, 'stop', dir]); } catch { /* already gone */ }
  });
  return serverUrl;
}

// A new, empty database on the test server; returns its URL.
export function freshDatabase() {
  const base = server();
  const name = `t_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', [base, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`]);
  return base.replace(/\/[^/]*$/, `/${name}`);
}
