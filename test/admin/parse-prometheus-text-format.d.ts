/** Types for the parse-prometheus-text-format package (it ships none), as far as the tests use it. */
declare module 'parse-prometheus-text-format' {
  export interface ParsedMetric {
    labels?: Record<string, string>
    value?: string
    buckets?: Record<string, string>
    count?: string
    sum?: string
  }
  export interface ParsedFamily {
    name: string
    help: string
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: ParsedMetric[]
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
