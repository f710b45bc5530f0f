/**
 * @module The route table schema: the single source of truth for config. Types are inferred from it; the CLI,
 * the KV loader and `routes/schema.json` all come from here. Field docs follow Envoy's names and defaults.
 */
import * as z from 'zod'
import type { FilterFactory } from '../filters/types.ts'
import { observabilitySettings, type ObservabilitySettings } from '../observability/config.ts'
import { isBareOrigin, tryParseUrl } from '../lib/url.ts'
import { clusterResilienceFields, retryPolicy } from '../upstream/schema.ts'
import {
  cookieMatch,
  duration,
  headerMatch,
  headerMutations,
  queryMatch,
  regex,
} from './primitives.ts'

function exactlyOne(keys: readonly string[], what: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => v[k] !== undefined)
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one ${what}: ${keys.join(' | ')} (got ${set.length ? set.join(', ') : 'none'})`,
      })
  }
}
function atMostOne(keys: readonly string[], what: string) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => v[k] !== undefined)
    if (set.length > 1) ctx.addIssue({ code: 'custom', message: `set at most one ${what}: ${set.join(', ')}` })
  }
}

const PATH_KEYS = ['exact', 'prefix', 'segment_prefix', 'regex', 'template'] as const
const METHOD = z.string().regex(/^[A-Z]+$/, 'methods are upper-case tokens such as GET')
const absPath = z.string().startsWith('/', 'must start with "/"')

/** Route match: every predicate must hold. Exactly one path specifier. */
export const routeMatch = z
  .strictObject({
    /** Whole path (query removed) equals this. */
    exact: absPath.optional(),
    /** Path starts with this. */
    prefix: z.string().optional(),
    /** Envoy path_separated_prefix: equals this, or starts with it followed by "/". Must not end with "/". */
    segment_prefix: z
      .string()
      .regex(/^\/[^?#]*[^?#/]$/, 'must start with "/", not end with "/", and contain no "?" or "#"')
      .optional(),
    /** Full match of the path (RE2 syntax, linear time); `case_sensitive` does not apply (use `(?i)`). */
    regex: regex.optional(),
    /** URI template: `*` one segment, `**` any segments (last only), `{name}`, `{name=*}`, `{name=**}`. */
    template: absPath.max(256).optional(),
    /** Applies to exact, prefix, segment_prefix and template. @default true */
    case_sensitive: z.boolean().default(true),
    /** Allowed methods; empty means any. */
    methods: z.array(METHOD).default([]),
    headers: z.array(headerMatch).default([]),
    query_parameters: z.array(queryMatch).default([]),
    cookies: z.array(cookieMatch).default([]),
  })
  .superRefine(exactlyOne(PATH_KEYS, 'path matcher'))
export type RouteMatch = z.output<typeof routeMatch>

const regexRewrite = z.strictObject({
  /** Replaced everywhere in the path (query excluded). */
  pattern: regex,
  /** Replacement; `\1`..`\9` refer to captures of `pattern`. */
  substitution: z.string(),
})

const weightedCluster = z.strictObject({
  name: z.string().min(1),
  /** Relative weight; weights need not sum to 100. */
  weight: z.number().int().min(0),
  ...headerMutations,
})

const REWRITE_KEYS = ['prefix_rewrite', 'regex_rewrite', 'template_rewrite'] as const

/**
 * Envoy RequestMirrorPolicy: a copy of the request goes to another cluster in the background (`waitUntil`),
 * its response discarded; the primary response is never delayed or altered.
 */
export const requestMirrorPolicy = z.strictObject({
  /** The cluster that receives the copy. */
  cluster: z.string().min(1),
  /** Share of requests mirrored, 0 to 100 (fractions allowed: 0.5 = one request in 200). @default 100 */
  runtime_fraction: z.number().min(0).max(100).default(100),
  /** Leave the host as it is instead of suffixing `-shadow` (`api.example.com` ⇒ `api.example.com-shadow`). @default false */
  disable_shadow_host_suffix_append: z.boolean().default(false),
  /**
   * A request body with a Content-Length up to this is mirrored (copied while the primary streams it); a larger
   * or unknown-length body is not mirrored and counted (`retry_or_shadow_abandoned`). @default 65536
   */
  per_request_buffer_limit_bytes: z.number().int().min(0).max(16 * 1024 * 1024).default(65_536),
})
export type RequestMirrorPolicy = z.output<typeof requestMirrorPolicy>

/** Forward to a cluster (or weighted clusters), with optional path and host rewrites. */
export const forwardAction = z
  .strictObject({
    cluster: z.string().min(1).optional(),
    /** Take the cluster name from this request header (first value). Missing or unknown: `cluster_not_found_response_code`. */
    cluster_header: z.string().min(1).optional(),
    weighted_clusters: z.array(weightedCluster).min(1).optional(),
    /** Replaces the matched prefix (or the whole path for an exact match). */
    prefix_rewrite: z.string().optional(),
    regex_rewrite: regexRewrite.optional(),
    /** Rewrite from template captures, e.g. `/v2/{id}`; needs a `template` match that captures each name. */
    template_rewrite: absPath.optional(),
    /**
     * Host for service-binding endpoints (default: the request's host). Origin endpoints always receive their
     * own host, because Workers' fetch sets Host from the URL (Envoy's auto_host_rewrite, implicitly); the
     * original host goes upstream in X-Forwarded-Host.
     */
    host_rewrite: z.string().min(1).regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'expected a host such as "api.internal"').optional(),
    /** Covers the whole upstream exchange, until the response completes. "0s" disables. @default 15s */
    timeout: duration.default(15_000),
    /** Status when the cluster does not exist. @default 503 */
    cluster_not_found_response_code: z.literal([503, 404, 500]).default(503),
    /** Retries for this route; replaces the virtual host's `retry_policy` entirely. */
    retry_policy: retryPolicy.optional(),
    /** Copies of each request sent to other clusters (Envoy request_mirror_policies). */
    request_mirror_policies: z.array(requestMirrorPolicy).max(8).default([]),
  })
  .superRefine(exactlyOne(['cluster', 'cluster_header', 'weighted_clusters'], 'cluster specifier'))
  .superRefine(atMostOne(REWRITE_KEYS, 'path rewrite'))
export type ForwardAction = z.output<typeof forwardAction>

/** Envoy RedirectAction. */
export const redirectAction = z
  .strictObject({
    https_redirect: z.boolean().default(false),
    scheme_redirect: z.enum(['http', 'https']).optional(),
    host_redirect: z.string().min(1).optional(),
    port_redirect: z.number().int().min(1).max(65535).optional(),
    /** Replaces the path; a `?query` in it replaces the request's query. */
    path_redirect: absPath.optional(),
    prefix_rewrite: z.string().optional(),
    regex_rewrite: regexRewrite.optional(),
    /** @default 301 */
    response_code: z.literal([301, 302, 303, 307, 308]).default(301),
    /** @default false */
    strip_query: z.boolean().default(false),
  })
  .superRefine(atMostOne(['path_redirect', 'prefix_rewrite', 'regex_rewrite'], 'path redirect'))
  .superRefine((v, ctx) => {
    if (v.https_redirect && v.scheme_redirect)
      ctx.addIssue({ code: 'custom', message: 'set at most one of https_redirect, scheme_redirect' })
  })
export type RedirectAction = z.output<typeof redirectAction>

/** Envoy DirectResponseAction; the body is limited by `gateway.max_direct_response_body_bytes`. */
export const directResponseAction = z.strictObject({
  status: z.number().int().min(200).max(599),
  body: z.string().optional(),
  /** Response headers set on the reply (route/vhost response header mutations apply too). */
  headers: z.record(z.string(), z.string()).default({}),
})
export type DirectResponseAction = z.output<typeof directResponseAction>

const endpoint = z
  .strictObject({
    /** An http(s) origin: scheme, host and optional port, no path. */
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) origin such as "https://api.internal:8443"' })
      .max(2048, 'an origin is at most 2048 characters')
      // zod runs refinements after a failed check too: an unparsable URL is `.url()`'s issue, not a throw here.
      .refine((u) => {
        const p = tryParseUrl(u)
        return !p || isBareOrigin(p)
      }, 'an endpoint is an origin: no path, query, fragment or credentials')
      .optional(),
    /** A Workers service binding (a Fetcher in env) by binding name. */
    service: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a binding name such as ECHO').optional(),
    /** Relative load-balancing weight. @default 1 */
    weight: z.number().int().min(1).max(1000).default(1),
  })
  .superRefine(exactlyOne(['url', 'service'], 'endpoint kind'))

/** An upstream cluster: endpoints and how to balance across them. */
export const cluster = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'cluster names use letters, digits, "_", "." and "-"'),
  endpoints: z.array(endpoint).min(1),
  /** least_request: power of two choices on in-isolate active requests. @default round_robin */
  lb_policy: z.enum(['round_robin', 'random', 'least_request']).default('round_robin'),
  ...clusterResilienceFields,
})
export type Cluster = z.output<typeof cluster>

/** Listener-level behaviour (Envoy's HTTP connection manager). */
export const gatewaySettings = z.strictObject({
  /** How often an isolate checks KV for a new version, in the background. @default 5s */
  refresh_interval: duration.default(5_000),
  /**
   * RFC 3986 normalization: decode escaped unreserved characters (`%41` ⇒ `A`), `\` ⇒ `/`, remove dot segments
   * (also %2e). workerd's URL parser resolves `.`, `..`, `%2e` and `\` before Legate sees the path, so `false`
   * cannot keep them: it only leaves `..;x` segments and the unreserved escapes alone.
   * @default true (Envoy edge best practice)
   */
  normalize_path: z.boolean().default(true),
  /** Collapse repeated slashes. @default true (Envoy edge best practice) */
  merge_slashes: z.boolean().default(true),
  /**
   * %2F / %5C in paths. Legate always runs at the edge, so the default is Envoy's edge recommendation,
   * not its mesh default (keep_unchanged).
   * @default unescape_and_redirect
   */
  escaped_slashes: z
    .enum(['keep_unchanged', 'reject_request', 'unescape_and_redirect', 'unescape_and_forward'])
    .default('unescape_and_redirect'),
  /**
   * `;params` inside path segments (`/admin;jsessionid=1`), which Tomcat and Spring drop before routing: `keep`
   * routes and forwards them as data, `strip` cuts each segment at its first ";" in the routed and the forwarded
   * path (`/admin;/x` ⇒ `/admin/x`), `reject` answers 400 ERR_BAD_PATH.
   * @default keep (Envoy: ";" is a legal segment character; jsessionid and matrix parameters stay intact)
   */
  path_parameters: z.enum(['keep', 'strip', 'reject']).default('keep'),
  /**
   * Trailing "." and " " (also %2E, %20) at the end of path segments, which Windows origins drop: `keep` routes
   * them as data, `strip` removes them in the routed and the forwarded path (`/admin. .` ⇒ `/admin`), `reject`
   * answers 400 ERR_BAD_PATH. `.` and `..` segments are never touched.
   * @default keep (Envoy: no such normalization; `/v1.2.` style names stay intact)
   */
  trailing_dots_and_spaces: z.enum(['keep', 'strip', 'reject']).default('keep'),
  /** Keep an incoming X-Request-Id instead of replacing it. @default false (Envoy) */
  preserve_external_request_id: z.boolean().default(false),
  /** Trusted proxies in front of Cloudflare that append to X-Forwarded-For. @default 0 */
  xff_num_trusted_hops: z.number().int().min(0).max(10).default(0),
  /** Ignore the port in Host when choosing a virtual host. @default true */
  ignore_port_in_host_matching: z.boolean().default(true),
  /** Apply header mutations most specific last, so route beats virtual host. @default false (Envoy) */
  most_specific_header_mutations_wins: z.boolean().default(false),
  /** Upper bound on direct_response bodies. @default 4096 (Envoy) */
  max_direct_response_body_bytes: z.number().int().min(0).max(1_048_576).default(4096),
})
export type GatewaySettings = z.output<typeof gatewaySettings>

/**
 * The table's shape around the filter parts: one builder for the runtime schema (each filter's own config
 * schema) and for the static types (filter configs as `unknown`), so the types are inferred, not mirrored.
 */
function tableSchema<E extends z.ZodType, O extends z.ZodType>(filterEntry: E, overrides: O) {
  const route = z
    .strictObject({
      /** Unique within the config; used in stats, logs and errors. Defaults to "<vhost>/<index>". */
      name: z.string().regex(/^[A-Za-z0-9_.\-/]+$/, 'route names use letters, digits, "_", ".", "-" and "/"').optional(),
      match: routeMatch,
      forward: forwardAction.optional(),
      redirect: redirectAction.optional(),
      direct_response: directResponseAction.optional(),
      ...headerMutations,
      filters: overrides,
    })
    .superRefine(exactlyOne(['forward', 'redirect', 'direct_response'], 'action'))

  const virtualHost = z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'virtual host names use letters, digits, "_", "." and "-"'),
    /** Exact, "*.suffix", "prefix.*" or "*". Case-insensitive; each domain in one virtual host only. */
    domains: z.array(z.string().min(1).regex(/^[^\s/]+$/, 'a domain has no spaces or "/"')).min(1),
    routes: z.array(route).default([]),
    ...headerMutations,
    /** Default retry policy for this host's forward routes that have none. */
    retry_policy: retryPolicy.optional(),
    filters: overrides,
  })

  return z.strictObject({
    /** Editors' schema pointer; ignored. */
    $schema: z.string().optional(),
    gateway: gatewaySettings.prefault({}),
    observability: observabilitySettings.prefault({}),
    /** The HTTP filter chain: list order is execution order. */
    http_filters: z.array(filterEntry).default([]),
    clusters: z.array(cluster).default([]),
    virtual_hosts: z.array(virtualHost).min(1, 'at least one virtual host is required'),
  })
}

/** Builds the full schema for a set of filters: filter configs are validated by each filter's own schema. */
export function createConfigSchema(filters: readonly FilterFactory[]) {
  const entries = filters.map((f) =>
    z.strictObject({
      name: z.literal(f.name),
      /** The filter's config for every route that does not override it. */
      config: f.configSchema.optional(),
      /** Off unless a virtual host or route enables it (`filters: { <name>: true | {…} }`). @default false */
      disabled: z.boolean().default(false),
    })
  )
  const filterEntry =
    entries.length === 0
      ? z.never()
      : z.discriminatedUnion('name', entries as unknown as [z.ZodObject, ...z.ZodObject[]])
  /**
   * Per-vhost/route overrides: false disables, true enables with the inherited config, an object is merged over
   * it one level deep (src/config/overrides.ts: the schema sees the merged config).
   */
  const overrides = z
    .strictObject(
      Object.fromEntries(filters.map((f) => [f.name, z.union([z.boolean(), f.configSchema]).optional()]))
    )
    .optional()
  return tableSchema(filterEntry, overrides)
}

/** The same table with any filter, as a type only (built at no cost): what the types below are inferred from. */
type AnyFilterEntry = z.ZodObject<{ name: z.ZodString; config: z.ZodOptional<z.ZodUnknown>; disabled: z.ZodDefault<z.ZodBoolean> }, z.core.$strict>
type AnyFilterOverrides = z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodOptional<z.ZodUnion<[z.ZodBoolean, z.ZodRecord<z.ZodString, z.ZodUnknown>]>>>>
type AnyFilterTable = ReturnType<typeof tableSchema<AnyFilterEntry, AnyFilterOverrides>>

/** A validated config, independent of which filters are registered. */
export type GatewayConfig = z.output<AnyFilterTable>
export type VirtualHostConfig = GatewayConfig['virtual_hosts'][number]
export type RouteConfig = VirtualHostConfig['routes'][number]
export type HeaderMutations = Pick<RouteConfig, keyof typeof headerMutations>
