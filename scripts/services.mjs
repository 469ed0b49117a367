#!/usr/bin/env node
// Makes sure the servers the tests need are reachable (PostgreSQL, Redis, and NATS, whose binary the relay tests run
// clusters of): starts one that is installed but stopped and,
// as root on Debian, installs one that is missing (and wrk, the benchmarks' load generator). Under CI a service that cannot be had fails the run.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';

const wanted = (process.env.TWOFOLD_SERVICES ?? 'postgres,redis,nats').split(',').map((s) => s.trim()).filter(Boolean);

const services = {
  postgres: {
    port: 5432,
    debianPackage: 'postgresql',
    installed: () => existsSync('/etc/postgresql') && readdirSync('/etc/postgresql').length > 0,
    start: () => `pg_ctlcluster --skip-systemctl-redirect ${readdirSync('/etc/postgresql')[0]} main start`,
  },
  redis: {
    port: 6379,
    debianPackage: 'redis-server',
    installed: () => existsSync('/usr/bin/redis-server'),
    start: () =>
      'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  },
  nats: {
    port: 4222,
    debianPackage: 'nats-server',
    installed: () => existsSync('/usr/sbin/nats-server') || existsSync('/usr/bin/nats-server'),
    start: () =>
      `mkdir -p /var/lib/nats-server && start-stop-daemon --start --oknodo --background --exec ${existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : '/usr/bin/nats-server'} -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`,
  },
};

const reachable = (port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

const run = (command) => {
  console.error(`services: ${command}`);
  execSync(command, { stdio: 'inherit', shell: '/bin/bash' });
};

async function waitFor(port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await reachable(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

let failed = false;
for (const name of wanted) {
  const service = services[name];
  if (!service) throw new Error(`unknown service ${name}`);
  if (await reachable(service.port)) continue;
  try {
    if (!service.installed()) {
      if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) throw new Error(`${name} is not installed (Debian package ${service.debianPackage})`);
      run(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${service.debianPackage}`);
    }
    run(service.start());
    if (!(await waitFor(service.port, 30))) throw new Error(`${name} did not start listening on 127.0.0.1:${service.port}`);
    console.error(`services: ${name} is up`);
  } catch (error) {
    failed = true;
    console.error(`services: ${name} unavailable: ${error instanceof Error ? error.message : error}`);
  }
}
// the benchmarks' HTTP load generator: the tests run every benchmark at tiny sizes
if (!existsSync('/usr/bin/wrk')) {
  try {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) throw new Error('wrk is not installed (Debian package wrk)');
    run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk');
    console.error('services: wrk installed');
  } catch (error) {
    failed = true;
    console.error(`services: wrk unavailable: ${error instanceof Error ? error.message : error}`);
  }
}
if (failed) {
  console.error('services: the integration tests need these servers (and wrk); they fail rather than skip without them.');
  process.exit(1);
}
