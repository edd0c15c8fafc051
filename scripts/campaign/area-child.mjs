/*
 * One area of the fault campaign, run in a process of its own (forked by run.mjs) so that a trial that
 * blocks the event loop, exits the process or dies of a signal cannot take the runner with it. Reports over
 * IPC: `start` before each trial, `result` after it, `done` at the end. Trials before `--skip` are generated
 * (the same seed gives the same trials) but not run: the runner restarts an area after the trial it had to
 * kill.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deriveSeed, mulberry32 } from '@bnkit/data';

const OUTCOMES = ['refused', 'accepted', 'crash', 'hang'];

/** A stable 32-bit number for an area's name, so its trials do not depend on which other areas run. */
function areaStream(name) {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return h;
}

async function runOne(trial, timeoutMs) {
  let timer;
  const bound = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hang', detail: `no outcome within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const result = await Promise.race([
      Promise.resolve().then(() => trial.run()),
      bound,
    ]);
    if (!result || !OUTCOMES.includes(result.outcome)) {
      return { outcome: 'crash', detail: `the trial returned ${JSON.stringify(result)}, not one of ${OUTCOMES.join(', ')} (a bug in the area)` };
    }
    return { outcome: result.outcome, detail: String(result.detail ?? '') };
  } catch (e) {
    // run() must never throw: an area that does has a bug, which the campaign reports rather than hides.
    return { outcome: 'crash', detail: `run() threw (a bug in the area): ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

const { values } = parseArgs({
  options: {
    module: { type: 'string' }, full: { type: 'boolean' }, seed: { type: 'string' }, skip: { type: 'string' },
    tmp: { type: 'string' }, 'timeout-ms': { type: 'string' },
  },
});
const mod = await import(pathToFileURL(values.module).href);
const rng = mulberry32(deriveSeed(Number(values.seed), areaStream(mod.area)));
const skip = Number(values.skip ?? 0);
const defaultTimeout = Number(values['timeout-ms']);
const send = (message) => new Promise((resolve) => process.send(message, resolve));
try {
  let index = 0;
  for await (const trial of mod.trials({ full: values.full === true, rng, tmp: values.tmp })) {
    if (index >= skip) {
      const timeoutMs = trial.timeoutMs ?? defaultTimeout;
      await send({ type: 'start', index, id: trial.id, malformed: trial.malformed !== false, timeoutMs });
      const started = Date.now();
      const result = await runOne(trial, timeoutMs);
      await send({ type: 'result', index, id: trial.id, malformed: trial.malformed !== false, ...result, ms: Date.now() - started });
    }
    index++;
  }
  await send({ type: 'done', trials: index });
} catch (e) {
  await send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
// Backends and spawned work may keep handles open; the area is over.
process.exit(0);
