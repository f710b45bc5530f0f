/** See bundle-size.mjs. */
export declare const BUNDLE_GZIP_LIMIT_BYTES: number

export interface BundleMeasurement {
  raw_bytes: number
  gzip_bytes: number
  limit_gzip_bytes: number
  modules: string[]
  wrangler_reported: string | null
  settings: { minify: boolean; keep_names: boolean; upload_source_maps: boolean }
  by_package_bytes: Record<string, number>
  how: string
}

export declare function measureBundle(opts?: { root?: string; config?: string }): Promise<BundleMeasurement>
export declare function formatBytes(n: number): string
