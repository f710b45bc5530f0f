/** See cold-start.mjs. */
export declare const USAGE: string
export declare const SIZES: number[]
export declare const PATHS: { late: string; early: string }
export declare function parseColdArgs(argv: string[]): { samples: number; quick: boolean; write: boolean; json: boolean; help: boolean }
export declare function median(xs: number[]): number
