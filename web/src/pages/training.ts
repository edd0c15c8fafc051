import { fit as fitModel, lenetBN, type BatchNorm, type EpochRow, type Sequential } from '@bnkit/nn';
import { DEFAULT_DATA_URL, fetchFashionMnist, takePerClass } from '@bnkit/data';
import { backendFactory } from './backends.js';
import { byId, numberParam, param, setState, showError } from './dom.js';
import { drawPlot, type Series } from './plot.js';

/*
 * The training page: LeNet-BN on Fashion-MNIST (the IDX files served next to the page) on a bundled backend,
 * with d2l's live plot (train loss as each epoch runs, train and test accuracy after it), examples/s
 * and the BN layers' gamma and beta. Defaults are the conformance suite's quick tier: 1,200 training images
 * per class, 2 epochs, lr 1.0, batch 256, tested on the whole test set. Query: backend=ts|gpu, device,
 * threads, epochs, perClass and testPerClass (0: all), lr, batchSize, seed; run=1 starts at once.
 */

declare global {
  interface Window {
    /** The finished run, for whoever drives the page (the browser test). */
    bnkitTraining?: { backend: string; device: string; history: readonly EpochRow[]; examplesPerSecond: number };
  }
}

/** Points per epoch on the loss and train-accuracy lines, as d2l's plot every fifth of an epoch. */
const POINTS_PER_EPOCH = 5;

const pct = (v: number | null): string => (v === null ? '–' : v.toFixed(3));

async function showBatchNorm(model: Sequential): Promise<void> {
  const rows: string[] = [];
  for (const [name, layer] of model.layers()) {
    if (!name.startsWith('bn')) continue;
    const bn = layer as BatchNorm;
    const [gamma, beta] = [await bn.gamma.read(), await bn.beta.read()];
    const list = (a: Float32Array): string => [...a].map((v) => v.toFixed(3)).join(' ');
    rows.push(`<tr><td>${name}</td><td>${gamma.length}</td><td class="values">${list(gamma)}</td><td class="values">${list(beta)}</td></tr>`);
  }
  byId('batchnorm').innerHTML = `<tr><th>layer</th><th>channels</th><th>gamma</th><th>beta</th></tr>${rows.join('')}`;
}

async function run(): Promise<void> {
  const spec = param('backend', 'ts');
  const device = param('device', '');
  const threads = param('threads', '');
  const epochs = numberParam('epochs', 2);
  const perClass = numberParam('perClass', 1200);
  const testPerClass = numberParam('testPerClass', 0);
  const lr = numberParam('lr', 1.0);
  const batchSize = numberParam('batchSize', 256);
  const seed = numberParam('seed', 0);
  setState('running', 'fetching Fashion-MNIST…');
  const data = await fetchFashionMnist(DEFAULT_DATA_URL, { onFile: (file, done, total) => setState('running', `fetched ${file} (${done} / ${total})`) });
  const train = perClass > 0 ? takePerClass(data.train, perClass) : data.train;
  const test = testPerClass > 0 ? takePerClass(data.test, testPerClass) : data.test;
  setState('running', `opening backend ${spec}…`);
  const backend = await (await backendFactory(spec))({ ...(device ? { device } : {}), ...(threads ? { threads: Number(threads) } : {}) });
  const deviceText = `${backend.name} on ${backend.device.kind}: ${backend.device.name}`;
  byId('device').textContent = `${deviceText}${backend.device.description ? ` — ${backend.device.description}` : ''}`;
  byId('recipe').textContent =
    `${train.count} training images, ${test.count} test images, ${epochs} epochs, lr ${lr}, batch ${batchSize}, seed ${seed}`;
  const series: Series[] = [
    { name: 'train loss', color: '#1f77b4', points: [] },
    { name: 'train acc', color: '#bf00bf', dashed: true, points: [] },
    { name: 'test acc', color: '#2ca02c', dashed: true, points: [] },
  ];
  const svg = byId('plot') as unknown as SVGSVGElement;
  drawPlot(svg, series, epochs);
  const table = byId('epochs');
  // The loss line is the epoch's running mean, as d2l plots it: BatchProgress gives each batch's mean.
  let running = { epoch: 0, lossSum: 0, examples: 0 };
  const model = lenetBN(backend, { seed });
  try {
    await showBatchNorm(model);
    const { history } = await fitModel(model, train, {
      epochs, lr, batchSize, seed, test,
      onBatch: (p) => {
        if (p.epoch !== running.epoch) running = { epoch: p.epoch, lossSum: 0, examples: 0 };
        running = { epoch: p.epoch, lossSum: running.lossSum + p.loss * (p.examples - running.examples), examples: p.examples };
        const every = Math.max(1, Math.round(p.batches / POINTS_PER_EPOCH));
        if (p.batch % every === 0 || p.batch === p.batches) {
          series[0].points.push([p.epoch - 1 + p.batch / p.batches, running.lossSum / running.examples]);
          drawPlot(svg, series, epochs);
        }
        setState('running', `epoch ${p.epoch} / ${epochs}, batch ${p.batch} / ${p.batches} · ${Math.round(p.examplesPerSecond)} examples/s`);
      },
      onEpoch: async (row) => {
        series[1].points.push([row.epoch, row.trainAcc]);
        series[2].points.push([row.epoch, row.testAcc ?? NaN]);
        drawPlot(svg, series, epochs);
        const tr = document.createElement('tr');
        tr.innerHTML = `<td>${row.epoch}</td><td>${row.loss.toFixed(4)}</td><td>${pct(row.trainAcc)}</td><td>${pct(row.testAcc)}</td>` +
          `<td>${row.seconds.toFixed(1)}</td><td>${Math.round(train.count / row.seconds)}</td>`;
        table.append(tr);
        await showBatchNorm(model);
      },
    });
    const seconds = history.reduce((s, r) => s + r.seconds, 0);
    const examplesPerSecond = (train.count * history.length) / seconds;
    const last = history[history.length - 1];
    window.bnkitTraining = { backend: backend.name, device: backend.device.name, history, examplesPerSecond };
    setState('done', `done: train acc ${pct(last.trainAcc)}, test acc ${pct(last.testAcc)}, ${Math.round(examplesPerSecond)} examples/s on ${deviceText}`);
  } finally {
    model.dispose();
    await backend.close();
  }
}

setState('idle', 'ready: add ?run=1 or press run');
byId('run').addEventListener('click', () => void run().catch(showError));
if (param('run', '0') === '1') void run().catch(showError);
