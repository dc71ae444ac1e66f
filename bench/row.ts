/** The row every scenario module returns and `run.ts` prints (bench/core.ts has its own, with ratios). */
export interface Row {
  scenario: string;
  value: number;
  unit: string;
  note: string;
}
