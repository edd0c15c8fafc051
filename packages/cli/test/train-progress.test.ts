import { describe, expect, it } from 'vitest';
import { estimateRemaining, formatDuration, formatRate } from '../dist/ui/format.js';
import { ProgressBar } from '../dist/ui/progress.js';
import { tableHeader, tableRow } from '../dist/ui/table.js';

describe('formatting', () => {
  it.each([[0, '0:00'], [7.4, '0:07'], [65, '1:05'], [3723, '1:02:03'], [Infinity, '--:--'], [Number.NaN, '--:--']])(
    'formatDuration(%s) = %s', (s, text) => expect(formatDuration(s)).toBe(text),
  );
  it.each([[2345.6, '2,346 ex/s'], [19.64, '19.6 ex/s'], [100, '100 ex/s'], [Number.NaN, '-- ex/s']])(
    'formatRate(%s) = %s', (r, text) => expect(formatRate(r)).toBe(text),
  );
  it('estimates the time left at the average rate so far', () => {
    expect(estimateRemaining(25, 100, 10)).toBe(30);
    expect(estimateRemaining(100, 100, 40)).toBe(0);
    expect(estimateRemaining(0, 100, 3)).toBe(Infinity);
  });
  it('lines the table rows up under the header', () => {
    const row = tableRow({ epoch: 10, loss: 0.27312, trainAcc: 0.899, testAcc: 0.8431, seconds: 25.27 });
    expect(row.length).toBe(tableHeader().length);
    expect(row.trim().split(/\s+/)).toEqual(['10', '0.2731', '0.8990', '0.8431', '25.3']);
    expect(tableRow({ epoch: 1, loss: 1, trainAcc: 0.5, testAcc: null, seconds: 1 })).toContain(' - ');
  });
});

/** A fake stream and clock: progress is a pure function of what update() is told and the time. */
function setup(isTTY: boolean) {
  const writes: string[] = [];
  let t = 100;
  const clock = { advance: (s: number) => (t += s) };
  const bar = new ProgressBar({ isTTY, write: (s: string) => writes.push(s) }, { total: 1000, label: 'epoch 1/2', now: () => t, width: 10 });
  return { writes, clock, bar };
}

describe('ProgressBar', () => {
  it('shows examples/s and the ETA', () => {
    const { bar } = setup(true);
    expect(bar.line(250, 5)).toBe('epoch 1/2 [###.......]  25% 250/1,000 50.0 ex/s ETA 0:15');
    expect(bar.line(1000, 20)).toBe('epoch 1/2 [##########] 100% 1,000/1,000 50.0 ex/s in 0:20');
  });

  it('in a log prints a line per tenth, not per update, with no carriage returns', () => {
    const { writes, clock, bar } = setup(false);
    for (let done = 50; done <= 1000; done += 50) {
      clock.advance(1);
      bar.update(done);
    }
    bar.finish();
    expect(writes).toHaveLength(10);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('['))).toBe(true);
    expect(writes[0]).toBe('epoch 1/2  10% 100/1,000 50.0 ex/s ETA 0:18\n');
    expect(writes[9]).toBe('epoch 1/2 100% 1,000/1,000 50.0 ex/s in 0:20\n');
  });

  it('on a terminal redraws in place with \\r, at most every 0.1 s, and ends with a newline', () => {
    const { writes, clock, bar } = setup(true);
    bar.update(10);
    clock.advance(0.05);
    bar.update(20); // too soon: skipped
    clock.advance(0.1);
    bar.update(30);
    clock.advance(0.01);
    bar.update(1000); // the end is always drawn
    bar.finish();
    expect(writes.filter((w) => w.startsWith('\r'))).toHaveLength(4);
    expect(writes[1]).toContain(' 30/1,000');
    expect(writes[writes.length - 1]).toBe('\n');
    expect(writes[writes.length - 2]).toContain('100% 1,000/1,000');
  });

  it('rates by the time the caller measured, not its own clock, and appends the note', () => {
    const { writes, clock, bar } = setup(false);
    clock.advance(30); // e.g. an evaluation the caller does not count as work
    bar.update(1000, { elapsed: 10, note: 'run ETA 1:00' });
    bar.finish();
    expect(writes).toEqual(['epoch 1/2 100% 1,000/1,000 100 ex/s in 0:10, run ETA 1:00\n']);
  });

  it('counts only the units done since the start in the rate and ETA of a resumed pass', () => {
    const bar = new ProgressBar({ isTTY: false, write: () => undefined }, { total: 1000, startAt: 600, label: 'epoch 2/3', now: () => 0, unit: 'img' });
    // 200 more in 4 s: 50 img/s, 200 left → 4 s
    expect(bar.line(800, 4)).toBe('epoch 2/3  80% 800/1,000 50.0 img/s ETA 0:04');
  });

  it('in a log still prints where an interrupted pass stopped', () => {
    const { writes, clock, bar } = setup(false);
    clock.advance(2);
    bar.update(150);
    clock.advance(1);
    bar.update(170);
    bar.finish();
    expect(writes).toEqual(['epoch 1/2  15% 150/1,000 75.0 ex/s ETA 0:11\n', 'epoch 1/2  17% 170/1,000 56.7 ex/s ETA 0:15\n']);
  });
});
