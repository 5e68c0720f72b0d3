/**
 * A real PgBouncer (Debian's `pgbouncer` package) in transaction pooling mode in front of the
 * test's PostgreSQL: what a serverless host's pooled URL (Neon, Supabase, RDS Proxy) behaves like —
 * no LISTEN, no session state, a server connection per transaction. Its ini and userlist go to a
 * temp directory; PgBouncer refuses to run as root, so as root it drops to the `postgres` user (`-u`).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PGBOUNCER_BIN = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

/** Whether PgBouncer is installed (`.ci/run` installs it). */
export const havePgBouncer = (): boolean => existsSync(PGBOUNCER_BIN);

export interface PgBouncer {
  /** `directUrl` through the pooler, marked `?pgbouncer=true` as serverless hosts' pooled URLs are. */
  url: string;
  /** What PgBouncer printed. */
  output: string[];
  stop(): Promise<void>;
}

/** Starts PgBouncer on `port` in front of the server of `directUrl`; resolves once it accepts connections. */
export async function startPgBouncer(directUrl: string, port: number): Promise<PgBouncer> {
  const target = new URL(directUrl);
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  chmodSync(dir, 0o755); // read by the unprivileged user it switches to
  const user = decodeURIComponent(target.username || 'postgres');
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 10',
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits',
    ].join('\n'),
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const proc = spawn(PGBOUNCER_BIN, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout.on('data', (d: Buffer) => output.push(String(d)));
  proc.stderr.on('data', (d: Buffer) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PgBouncer did not start on ${port}:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pooled = new URL(directUrl);
  pooled.hostname = '127.0.0.1';
  pooled.port = String(port);
  pooled.searchParams.set('pgbouncer', 'true');
  return { url: pooled.toString(), output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
