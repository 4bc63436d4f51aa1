// `npm start -- --preset small`: which preset the command line or VIRTSIM_PRESET asks for, and the admin token it uses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@virtsim/service-kit';
import { adminToken, presetOf } from './preset.js';

test('the command line wins over VIRTSIM_PRESET; nothing asked is no preset', () => {
  expect(presetOf(['--preset', 'small'], {})).toBe('small');
  expect(presetOf(['--preset=small'], { VIRTSIM_PRESET: 'other' })).toBe('small');
  expect(presetOf([], { VIRTSIM_PRESET: 'small' })).toBe('small');
  expect(presetOf([], {})).toBeUndefined();
  expect(presetOf([], { VIRTSIM_PRESET: '' })).toBeUndefined();
});

test('an unknown preset or option is a configuration error naming what is known', () => {
  expect(() => presetOf(['--preset', 'huge'], {})).toThrow(new ConfigError('unknown preset "huge" (known: small)'));
  expect(() => presetOf([], { VIRTSIM_PRESET: 'huge' })).toThrow(ConfigError);
  expect(() => presetOf(['--presets', 'small'], {})).toThrow(/--preset <small>/);
  expect(() => presetOf(['small'], {})).toThrow(ConfigError);
});

test('the admin token: the first admin entry of VIRTSIM_API_TOKENS, else the data folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'virtsim-preset-'));
  try {
    await writeFile(join(dir, 'admin-token'), 'from-file\n');
    expect(await adminToken({ VIRTSIM_API_TOKENS: 'auditor:a1,admin:adm-1,admin:adm-2' }, dir)).toBe('adm-1');
    expect(await adminToken({ VIRTSIM_API_TOKENS: 'operator:op' }, dir)).toBe('from-file');
    expect(await adminToken({}, dir)).toBe('from-file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
