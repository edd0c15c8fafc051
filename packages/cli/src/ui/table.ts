/** Fixed-width columns of the per-epoch table: name and width. */
const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['epoch', 5],
  ['loss', 8],
  ['train acc', 9],
  ['test acc', 8],
  ['seconds', 8],
];

export interface EpochLine {
  readonly epoch: number;
  readonly loss: number;
  readonly trainAcc: number;
  readonly testAcc: number | null;
  readonly seconds: number;
}

export function tableHeader(): string {
  return COLUMNS.map(([name, width]) => name.padStart(width)).join('  ');
}

export function tableRow(row: EpochLine): string {
  const cells = [
    String(row.epoch),
    row.loss.toFixed(4),
    row.trainAcc.toFixed(4),
    row.testAcc === null ? '-' : row.testAcc.toFixed(4),
    row.seconds.toFixed(1),
  ];
  return cells.map((c, i) => c.padStart(COLUMNS[i][1])).join('  ');
}
