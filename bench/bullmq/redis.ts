/**
 * A throw-away `redis-server` for workload E: started on a free loopback port with no persistence,
 * waited on until it answers PING, flushed between runs, stopped at the end. Talks RESP over a
 * plain socket, so the orchestrator does not load ioredis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const REDIS_SERVER = 'redis-server';

/** `redis-server --version`'s version (`7.0.15`), or undefined when redis-server cannot be run. */
export function redisServerVersion(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return /v=(\S+)/.exec(probe.stdout)?.[1] ?? probe.stdout.trim();
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). The bench's children load this file from a compiled copy of bench/ alone, so it keeps its own (scripts/free-port.ts is the tests'). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Sends one command and resolves to the first line of the reply (`+PONG`, `+OK`, `-ERR ...`). */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(line ?? '');
    };
    const timer = setTimeout(() => done(new Error(`redis on port ${port}: no reply to ${args[0] ?? ''} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(undefined, reply.slice(0, end));
    });
    socket.on('error', (error) => done(error));
  });
}

/** Redis' own CPU time so far (user + system), ms, from `INFO cpu`. */
export function redisCpuMs(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on port ${port}: no reply to INFO cpu`));
    }, 2000);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('*2\r\n$4\r\nINFO\r\n$3\r\ncpu\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      // A bulk reply: $<length>\r\n<text>\r\n (the text is ASCII).
      const head = /^\$(\d+)\r\n/.exec(reply);
      if (head === null || reply.length < head[0].length + Number(head[1])) return;
      clearTimeout(timer);
      socket.destroy();
      const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(reply)?.[1] ?? Number.NaN);
      resolve((field('used_cpu_sys') + field('used_cpu_user')) * 1000);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly version: string;
  /** Empties every database (between runs: each run starts from an empty Redis). */
  flush(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port N --bind 127.0.0.1 --save '' --appendonly no` on a free port and
 * resolves once it answers PING (or rejects after `readyMs`, having stopped it).
 */
export async function startRedis(version: string, readyMs = 10_000): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });
  // A safety net: never leave the server behind when the bench process ends another way.
  const onExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', onExit);

  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyMs;
  for (;;) {
    if (exited) throw new Error(`redis-server exited before accepting connections on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      if ((await redisCommand(port, ['PING'], 500)) === '+PONG') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not accept connections on port ${port} within ${readyMs} ms: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    version,
    flush: async () => {
      const reply = await redisCommand(port, ['FLUSHALL'], 30_000);
      if (reply !== '+OK') throw new Error(`FLUSHALL: ${reply}`);
    },
    stop,
  };
}
