import { formatDuration, parseAt, parseDuration, scanForSimTime } from './simtime.js';
import { UsageError } from './errors.js';

describe('parseDuration', () => {
  it.each([
    [90, 90], ['90', 90], ['90s', 90], ['5m', 300], ['1h30m', 5400], ['1.5h', 5400], ['2d', 172800], ['500ms', 0.5], [' 10S ', 10],
  ])('%p -> %p seconds', (input, want) => expect(parseDuration(input)).toBe(want));

  it.each(['', 'abc', '10x', '5m garbage', '-3', 'm5'])('rejects %p as a usage error', (bad) => {
    expect(() => parseDuration(bad)).toThrow(UsageError);
  });
  it('rejects negative numbers', () => expect(() => parseDuration(-1)).toThrow(/invalid duration/));
});

describe('formatDuration', () => {
  it.each([[0, '0s'], [45, '45s'], [300, '5m'], [3723, '1h2m3s'], [86400, '1d'], [90.5, '1m30.5s']])('%p -> %p', (s, want) => {
    expect(formatDuration(s)).toBe(want);
  });
});

describe('parseAt', () => {
  it('reads bare integers as log positions', () => {
    expect(parseAt('1234')).toEqual({ kind: 'position', position: 1234 });
    expect(parseAt('pos:7')).toEqual({ kind: 'position', position: 7 });
  });
  it('reads values with units as simulated times', () => {
    expect(parseAt('300s')).toEqual({ kind: 'simTime', seconds: 300 });
    expect(parseAt('5m')).toEqual({ kind: 'simTime', seconds: 300 });
    expect(parseAt('t=300')).toEqual({ kind: 'simTime', seconds: 300 });
  });
});

describe('scanForSimTime', () => {
  const ev = (position: number, simTime?: number) => ({ position, metadata: simTime === undefined ? {} : { simTime } });
  it('finds the last event at or before t across pages', () => {
    let st = scanForSimTime([ev(1, 0), ev(2, 10), ev(3)], 20, { position: null, lastSimTime: 0 });
    expect(st).toEqual({ position: 3, lastSimTime: 10, done: false });
    st = scanForSimTime([ev(4, 20), ev(5, 30), ev(6, 40)], 20, st);
    expect(st).toEqual({ position: 4, lastSimTime: 20, done: true });
  });
  it('returns null when every event is later', () => {
    expect(scanForSimTime([ev(1, 50)], 20, { position: null, lastSimTime: 0 })).toEqual({ position: null, lastSimTime: 0, done: true });
  });
});
