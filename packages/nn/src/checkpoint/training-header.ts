import type { EpochRow, TrainingState } from '../training-state.js';

/*
 * The `training` member of a checkpoint header. JSON has no NaN or Infinity (JSON.stringify writes null),
 * yet a diverged run's loss is exactly that, and its checkpoint must still load so the run can be inspected
 * or resumed. So the loss values (`partial.lossSum`, `history[].loss`) are written as a JSON number when
 * finite and as the string "NaN", "Infinity" or "-Infinity" otherwise. Every other number must be finite.
 */

type Json = unknown;
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function encodeLoss(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** The JSON form of a history row (also used by files other than checkpoints that keep a run's history). */
export function encodeEpochRow(r: EpochRow): Json {
  return { ...r, loss: encodeLoss(r.loss) };
}

/** The header form of a training position: loss values that are not finite become strings. */
export function encodeTrainingState(t: TrainingState): Json {
  return { ...t, partial: { ...t.partial, lossSum: encodeLoss(t.partial.lossSum) }, history: t.history.map(encodeEpochRow) };
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A loss as written by encodeLoss; undefined when it is neither a finite number nor a non-finite name. */
function decodeLoss(v: unknown): number | undefined {
  if (isFinite(v)) return v;
  return typeof v === 'string' && Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : undefined;
}

/** A history row as encodeEpochRow wrote it; undefined when any field is missing or out of its domain. */
export function decodeEpochRow(r: unknown): EpochRow | undefined {
  if (!isRecord(r)) return undefined;
  const loss = decodeLoss(r.loss);
  const testAcc = r.testAcc;
  if (!isCount(r.epoch) || loss === undefined || !isFinite(r.trainAcc) || !isFinite(r.seconds) || !(testAcc === null || isFinite(testAcc))) return undefined;
  return { epoch: r.epoch, loss, trainAcc: r.trainAcc, testAcc, seconds: r.seconds };
}

/** The training position of a header; `bad` builds the error naming the first field that is wrong. */
export function decodeTrainingState(json: unknown, bad: (why: string) => Error): TrainingState {
  const malformed = (field: string): Error => bad(`header.training.${field} is malformed (see the checkpoint format in the @bnkit/nn README)`);
  if (!isRecord(json)) throw bad('header.training must be an object or null');
  for (const key of ['seed', 'batchSize', 'trainCount', 'epochsCompleted', 'batchesCompleted'] as const) {
    if (!isCount(json[key])) throw malformed(key);
  }
  if (!isFinite(json.lr)) throw malformed('lr');
  const p = json.partial;
  if (!isRecord(p)) throw malformed('partial');
  const lossSum = decodeLoss(p.lossSum);
  if (lossSum === undefined) throw malformed('partial.lossSum');
  if (!isCount(p.correct) || !isCount(p.seen) || !isFinite(p.seconds)) throw malformed('partial');
  if (!Array.isArray(json.history)) throw malformed('history');
  const history: EpochRow[] = [];
  for (const [i, r] of json.history.entries()) {
    const row = decodeEpochRow(r);
    if (!row) throw malformed(`history[${i}]`);
    history.push(row);
  }
  return {
    seed: json.seed as number, batchSize: json.batchSize as number, lr: json.lr, trainCount: json.trainCount as number,
    epochsCompleted: json.epochsCompleted as number, batchesCompleted: json.batchesCompleted as number,
    partial: { lossSum, correct: p.correct, seen: p.seen, seconds: p.seconds }, history,
  };
}
