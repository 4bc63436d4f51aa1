import { adminTokenPath, apiBase, configFilePaths, maskToken, resolveConnection, DEFAULT_URL } from './config.js';
import { UsageError } from './errors.js';

const none = { flags: {}, env: {}, files: [] };

describe('resolveConnection', () => {
  it('prefers flags, then env, then config files, then the admin token', () => {
    const files = [
      { path: './.virtsim/cli.yaml', content: 'url: http://local:1\n' },
      { path: '~/.config/virtsim/config.yaml', content: 'url: http://home:2\ntoken: home-token\n' },
    ];
    const adminToken = { path: './.virtsim/admin-token', content: 'admin-token\n' };
    expect(resolveConnection({ flags: { url: 'http://flag:3', token: 'f' }, env: { VIRTSIM_URL: 'http://env:4', VIRTSIM_TOKEN: 'e' }, files, adminToken }))
      .toMatchObject({ url: 'http://flag:3', token: 'f', urlSource: 'flag', tokenSource: 'flag' });
    expect(resolveConnection({ flags: {}, env: { VIRTSIM_TOKEN: 'e' }, files, adminToken }))
      .toMatchObject({ url: 'http://local:1', urlSource: './.virtsim/cli.yaml', token: 'e', tokenSource: 'env' });
    expect(resolveConnection({ flags: {}, env: {}, files, adminToken })).toMatchObject({ token: 'home-token' });
    expect(resolveConnection({ flags: {}, env: {}, files: [], adminToken }))
      .toMatchObject({ url: DEFAULT_URL, apiBase: `${DEFAULT_URL}/api/v1`, token: 'admin-token', tokenSource: './.virtsim/admin-token' });
  });

  it('fails with a usage error and a hint when no token is found', () => {
    expect(() => resolveConnection(none)).toThrow(UsageError);
    expect(() => resolveConnection(none)).toThrow(/admin-token/);
    expect(resolveConnection(none, false).token).toBeUndefined();
  });

  it('rejects malformed config files with their path', () => {
    expect(() => resolveConnection({ ...none, files: [{ path: 'x.yaml', content: 'url: [1' }] })).toThrow(/x.yaml: invalid YAML/);
    expect(() => resolveConnection({ ...none, files: [{ path: 'x.yaml', content: 'token: 5' }] })).toThrow(/token must be a string/);
    expect(() => resolveConnection({ ...none, files: [{ path: 'x.yaml', content: '- a' }] })).toThrow(/mapping/);
  });
});

describe('apiBase', () => {
  it('adds /api/v1 once', () => {
    expect(apiBase('http://h:8080/')).toBe('http://h:8080/api/v1');
    expect(apiBase('http://h:8080/api/v1')).toBe('http://h:8080/api/v1');
    expect(() => apiBase('h:8080')).toThrow(UsageError);
  });
});

it('lists config files: $VIRTSIM_CONFIG, ./.virtsim/cli.yaml, then the user config', () => {
  expect(configFilePaths({ VIRTSIM_CONFIG: 'my.yaml' }, '/w', '/home/u')).toEqual(['/w/my.yaml', '/w/.virtsim/cli.yaml', '/home/u/.config/virtsim/config.yaml']);
  expect(configFilePaths({ XDG_CONFIG_HOME: '/x' }, '/w', '/home/u')).toEqual(['/w/.virtsim/cli.yaml', '/x/virtsim/config.yaml']);
});

it('masks tokens', () => {
  expect(maskToken('abcdefghijkl')).toBe('abcd…ijkl');
  expect(maskToken('short')).toBe('****');
  expect(maskToken()).toBe('-');
});

describe('adminTokenPath', () => {
  it('reads the admin token where the server writes it: VIRTSIM_DATA_DIR, default ./.virtsim', () => {
    expect(adminTokenPath({}, '/srv/app')).toBe('/srv/app/.virtsim/admin-token');
    expect(adminTokenPath({ VIRTSIM_DATA_DIR: '/var/lib/virtsim' }, '/srv/app')).toBe('/var/lib/virtsim/admin-token');
    expect(adminTokenPath({ VIRTSIM_DATA_DIR: 'data' }, '/srv/app')).toBe('/srv/app/data/admin-token');
  });
});
