// By id or by name; a shared name is refused with the matches listed.
import { choose } from './lookup.js';
import { UsageError } from './errors.js';

const items = [
  { id: 'vm-1', name: 'web' },
  { id: 'vm-2', name: 'db' },
  { id: 'vm-3', name: 'db' },
  { id: 'vm-4', name: 'vm-1' },
];

test('an exact id wins, then a unique name', () => {
  expect(choose('vm', 'vm-2', items).id).toBe('vm-2');
  expect(choose('vm', 'web', items).id).toBe('vm-1');
  expect(choose('vm', 'vm-1', items).id).toBe('vm-1'); // the id, though vm-4 is named so
});

test('an unknown name and a shared name are usage errors; the shared one lists its matches', () => {
  expect(() => choose('host', 'nope', [])).toThrow('no host with id or name "nope"');
  let err: unknown;
  try {
    choose('vm', 'db', items);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).message).toBe('2 vms are named "db": give the id');
  expect((err as UsageError).details).toEqual(['vm-2  db', 'vm-3  db']);
});
