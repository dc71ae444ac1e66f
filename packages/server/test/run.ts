/** Runs the `twostep` command as a child process, with only the environment given (and PATH). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function twostep(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@twostep/source', main, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `twostep serve …` left running; resolves once it says it serves (or rejects with its output). */
export function startServe(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{
  child: ChildProcess;
  output: () => string;
  /** Resolves once the output contains `text` (log lines arrive after the response they belong to). */
  until(text: string): Promise<void>;
  stop(): Promise<void>;
}> {
  const child = spawn(process.execPath, ['--conditions=@twostep/source', main, 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const until = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!output.includes(text)) return;
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve();
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      check();
    });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('twostep: serving ')) resolve({ child, output: () => output, until, stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`twostep serve exited (${code}):\n${output}`)));
  });
}
