import type { BuildOptions } from 'esbuild'

/** See worker-bundle.mjs. */
export declare const WORKER_BUNDLE: BuildOptions
