import type { LeNetOptions } from '@bnkit/nn';

/** One trained configuration of the comparison: a model variant and a learning rate. */
export interface ExperimentConfig {
  /** File-name-safe and unique: names the results file. */
  readonly id: string;
  /** What the table and the plot call it. */
  readonly label: string;
  readonly model: 'lenet' | 'lenet-bn';
  readonly lr: number;
  /** The lenetBN options of the variant (BN stages, frozen affine, bias before BN); none for lenet. */
  readonly variant: Pick<LeNetOptions, 'bnStages' | 'bnAffine' | 'biasBeforeBn'>;
}

/** The seed's exercises at the ablation learning rate: which layers get BN, frozen gamma/beta, no bias before BN. */
const ABLATIONS: ReadonlyArray<{ readonly id: string; readonly label: string; readonly variant: ExperimentConfig['variant'] }> = [
  { id: 'bn-conv', label: 'LeNet-BN, BN in conv layers only', variant: { bnStages: [1, 2] } },
  { id: 'bn-fc', label: 'LeNet-BN, BN in fc layers only', variant: { bnStages: [3, 4] } },
  { id: 'frozen', label: 'LeNet-BN, gamma/beta frozen at 1/0', variant: { bnAffine: false } },
  { id: 'nobias', label: 'LeNet-BN, no bias before BN', variant: { biasBeforeBn: false } },
];

/** `0.1` → `0.1`, `1` → `1`: the shortest decimal, for ids and labels. */
const lrText = (lr: number): string => String(Number(lr.toPrecision(6)));

/** LeNet and LeNet-BN at every learning rate, then the ablations of LeNet-BN at `ablationLr`. */
export function experimentConfigs(lrs: readonly number[], ablationLr: number): ExperimentConfig[] {
  const sweep = lrs.flatMap((lr): ExperimentConfig[] => [
    { id: `lenet-lr${lrText(lr)}`, label: `LeNet, lr ${lrText(lr)}`, model: 'lenet', lr, variant: {} },
    { id: `lenet-bn-lr${lrText(lr)}`, label: `LeNet-BN, lr ${lrText(lr)}`, model: 'lenet-bn', lr, variant: {} },
  ]);
  const ablations = ABLATIONS.map((a): ExperimentConfig => ({
    id: `lenet-bn-${a.id}-lr${lrText(ablationLr)}`, label: `${a.label}, lr ${lrText(ablationLr)}`, model: 'lenet-bn', lr: ablationLr, variant: a.variant,
  }));
  return [...sweep, ...ablations];
}
