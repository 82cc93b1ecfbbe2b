/**
 * A private RabbitMQ broker (Debian's rabbitmq-server) for the notifications lane: its own
 * node name, loopback ports (AMQP, Erlang distribution, epmd) and directories under `dir`,
 * so it never meets a system broker or another run. `stop()` then `start()` restarts the same
 * node on the same port with the same data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { freePort } from '../helpers/keystone.js';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface Broker {
  /** oslo.messaging transport URL (guest may log in from loopback). */
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and the epmd it started. */
  destroy(): Promise<void>;
}

export function brokerUnavailableReason(): string | null {
  const r = spawnSync('sh', ['-c', `test -x ${SERVER} && test -x /usr/bin/python3 && /usr/bin/python3 -c 'import oslo_messaging'`]);
  return r.status === 0 ? null : 'rabbitmq-server or python3-oslo.messaging is not installed (bash scripts/e2e-setup.sh rabbitmq-server python3-oslo.messaging)';
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Resolves once the broker accepts an AMQP login, or rejects when it exits or `timeoutMs` passes. */
async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = child.exitCode !== null;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('rabbitmq-server exited during start-up');
    try {
      const c = await connect(url, { timeout: 1000 });
      await c.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`rabbitmq-server not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function createBroker(dir: string): Promise<Broker> {
  const [port, distPort, epmdPort] = await distinctPorts(3);
  const home = join(dir, 'home');
  for (const d of [home, join(dir, 'mnesia'), join(dir, 'log')]) mkdirSync(d, { recursive: true });
  // Empty files stand in for /etc/rabbitmq's, so the system's settings and plugins are not used.
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: `glance-notify-${randomBytes(4).toString('hex')}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
  };
  const url = `rabbit://guest:guest@127.0.0.1:${port}/`;
  let child: ChildProcess | null = null;

  const broker: Broker = {
    url,
    port,
    async start() {
      const out = openSync(join(dir, 'log', 'server.out'), 'a');
      // Its own process group: stopping it reaches the Erlang VM behind the start script.
      child = spawn(SERVER, [], { env, cwd: dir, detached: true, stdio: ['ignore', out, out] });
      closeSync(out);
      await waitReady(url.replace(/^rabbit:/, 'amqp:'), child, 60_000);
    },
    async stop() {
      const c = child;
      child = null;
      if (!c) return;
      // The start script may exit before the VM: wait until the whole group is gone.
      const alive = () => {
        try {
          process.kill(-c.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      process.kill(-c.pid!, 'SIGTERM');
      const deadline = Date.now() + 30_000;
      while (alive()) {
        if (Date.now() > deadline) process.kill(-c.pid!, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async destroy() {
      await broker.stop();
      spawnSync('/usr/bin/epmd', ['-kill'], { env, stdio: 'ignore' });
    },
  };
  return broker;
}
