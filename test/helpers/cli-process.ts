/**
 * The real `supsync` command as a child process: `node bin/supsync.mjs …`, its output collected,
 * and long-running commands (serve, demo) read line by line until they say what a test waits for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The command users run (`npx supsync` resolves to it). */
export const SUPSYNC_BIN = fileURLToPath(new URL('../../bin/supsync.mjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Working folder of the process (a temp dir, so nothing lands in the repository). */
  readonly cwd?: string;
  /** Kill the process (SIGKILL) and fail after this long. Default 30 s. */
  readonly timeoutMs?: number;
}

/** The environment without anything that would change what the command does (a token from the shell). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SUPSYNC_TOKEN;
  return env;
}

/** A running `supsync` process whose output is collected as it comes. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliResult>;
  private exit: CliResult | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], options: CliOptions = {}) {
    this.child = spawn(process.execPath, [SUPSYNC_BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
      this.notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
      this.notify();
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal, stdout: this.stdout, stderr: this.stderr };
        this.notify();
        resolve(this.exit);
      });
    });
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private describe(): string {
    return `supsync ${this.child.spawnargs.slice(2).join(' ')}\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  /** Waits until stdout (or stderr) matches `pattern`; fails if the process exits first or the time runs out. */
  waitForOutput(
    pattern: RegExp,
    timeoutMs = 30_000,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(this[stream]);
        if (m !== null) done(() => resolve(m));
        else if (this.exit !== undefined)
          done(() => reject(new Error(`exited (${this.exit?.code}) before printing ${pattern}\n${this.describe()}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms\n${this.describe()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Sends `signal` and waits for the exit; fails (after SIGKILL) if it takes longer than `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<CliResult> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms of ${signal}\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cleanup for `finally`/`after`: kills the process if it still runs and waits for it. */
  async kill(): Promise<void> {
    if (this.exit !== undefined) return;
    this.child.kill('SIGKILL');
    await this.exited.catch(() => undefined);
  }
}

/** Runs `supsync <args>` to completion and returns its exit code and output. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const proc = new CliProcess(args, options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void proc.kill();
      reject(
        new Error(`supsync ${args.join(' ')} did not finish within ${timeoutMs} ms\n${proc.stdout}\n${proc.stderr}`),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses a command's JSON output, failing with the output when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}
