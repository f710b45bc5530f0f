/** See targets.mjs. */
export interface TargetResult {
  target: string
  source: string
  status: 'met' | 'missed' | 'not measured'
  detail: string
}
export declare function evaluateTargets(results: unknown): TargetResult[]
