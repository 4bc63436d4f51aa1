// The CLI and the clock that runs by itself (issue 19): --rate parsing, the clock line, and a wait that sees a
// stopped clock says what to do instead of sitting at "0% queued".
import { clockLine } from './commands/log.js';
import { CliError, UsageError } from './errors.js';
import type { ApiClient } from './http.js';
import { parseRate } from './simtime.js';
import { waitTask, type Task } from './tasks.js';

describe('parseRate', () => {
  it.each([['60x', 60], ['60', 60], ['3600X', 3600], ['0.5x', 0.5]])('%p -> %p', (input, want) => expect(parseRate(input)).toBe(want));
  it.each(['0x', '0', '-5x', 'fast', '60xx', ''])('refuses %p', (bad) => expect(() => parseRate(bad)).toThrow(UsageError));
});

describe('clockLine', () => {
  it('says whether the clock runs and how fast', () => {
    expect(clockLine({ simTime: 120, tick: 12, tickSeconds: 10, mode: 'running', rate: 60 })).toContain('running at 60x');
    expect(clockLine({ simTime: 0, tick: 0, tickSeconds: 10, mode: 'manual', rate: null })).toContain('virtsim sim run --rate 60x');
  });
});

describe('waiting on a stopped clock', () => {
  const queued: Task = { id: 't3', kind: 'vm.migrate', state: 'queued', progress: 0 };
  const serverAnswering = (answers: Task[]) => {
    const polls: string[] = [];
    const client = { get: async (path: string) => { polls.push(path); return answers.shift() ?? answers[0]; } } as unknown as ApiClient;
    return { client, polls };
  };

  it('a task the server says waits for a stopped clock ends the wait with the commands to run', async () => {
    const { client, polls } = serverAnswering([{ ...queued, hint: 'the simulated clock is stopped' }]);
    const err = await waitTask(client, queued, { progress: false, intervalMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toContain('virtsim sim run --rate 60x');
    expect((err as Error).message).toContain('virtsim tasks wait t3');
    expect(polls).toEqual(['/tasks/t3']);
  });

  it('without a hint (the clock runs) it waits to the end', async () => {
    const { client } = serverAnswering([{ ...queued, state: 'running', progress: 50 }, { ...queued, state: 'succeeded', progress: 100, result: { hostId: 'h2' } }]);
    await expect(waitTask(client, queued, { progress: false, intervalMs: 1 })).resolves.toMatchObject({ state: 'succeeded' });
  });

  it('--drive advances the clock itself, so a hint does not stop it', async () => {
    const { client } = serverAnswering([{ ...queued, hint: 'stopped' }, { ...queued, state: 'succeeded', progress: 100 }]);
    let advanced = 0;
    await expect(waitTask(client, queued, { progress: false, onPoll: async () => { advanced++; } })).resolves.toMatchObject({ state: 'succeeded' });
    expect(advanced).toBe(2);
  });
});
