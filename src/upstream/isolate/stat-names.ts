/**
 * @module Envoy cluster stat names (`cluster.<name>.upstream_rq_2xx` …), built once per cluster and version so
 * the hot path does not concatenate strings.
 */

export interface StatNames {
  /** `cluster.<name>.` */
  readonly prefix: string
  readonly total: string
  readonly time: string
  /** `upstream_rq_<code>` and `upstream_rq_<N>xx` for a status. */
  code(status: number): string
  klass(status: number): string
  /** Any other stat under the cluster: `cluster.<name>.<suffix>`. */
  of(suffix: string): string
}

export function createStatNames(cluster: string): StatNames {
  const prefix = `cluster.${cluster}.`
  const codes = new Map<number, string>()
  const classes = ['1xx', '2xx', '3xx', '4xx', '5xx'].map((c) => `${prefix}upstream_rq_${c}`)
  const others = new Map<string, string>()
  return {
    prefix,
    total: `${prefix}upstream_rq_total`,
    time: `${prefix}upstream_rq_time`,
    code(status) {
      let s = codes.get(status)
      if (s === undefined) codes.set(status, (s = `${prefix}upstream_rq_${status}`))
      return s
    },
    klass(status) {
      return classes[Math.floor(status / 100) - 1] ?? `${prefix}upstream_rq_${Math.floor(status / 100)}xx`
    },
    of(suffix) {
      let s = others.get(suffix)
      if (s === undefined) others.set(suffix, (s = prefix + suffix))
      return s
    },
  }
}
