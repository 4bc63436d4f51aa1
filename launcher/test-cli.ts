// The CLI as a test drives it in process: its stdout captured, its stderr silenced.
import { jest } from '@jest/globals';
import { buildProgram } from '../apps/cli/src/program.js';

/** runs `virtsim --url <url> --token <token> --no-progress ...args` and answers what it printed */
export async function runCli(url: string, token: string, ...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'virtsim', '--url', url, '--token', token, '--no-progress', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out.join('');
}
