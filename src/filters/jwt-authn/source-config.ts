/** @module jwt_authn provider key sources in the config: `remote_jwks` and `hmac_secret` (`local_jwks` is inline). */
import * as z from 'zod'
import { duration } from '../../config/primitives.ts'
import { secretBytes } from './keys.ts'

const bindingName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a binding name such as JWT_SECRET')
const absPath = z.string().regex(/^\/[^\s#]*$/, 'expected a path such as "/.well-known/jwks.json"')

/** Where a JWKS is fetched from: a URL, or a path on a configured cluster (its first endpoint). */
export const remoteJwks = z
  .strictObject({
    /** Full https (or http) URL of the JWKS document. */
    uri: z.url({ protocol: /^https?$/ }).optional(),
    /** A cluster name; the JWKS is fetched from its first endpoint (an origin or a service binding). */
    cluster: z.string().min(1).optional(),
    /** Path (and query) of the JWKS on `cluster`. Required with `cluster`. */
    path: absPath.optional(),
    /** Per fetch. @default 5s */
    timeout: duration.default(5_000),
    /** Keys older than this are refreshed in the background while still used. @default 10m (Envoy) */
    cache_duration: duration.default(600_000),
    /** A token whose `kid` is unknown refetches the JWKS at most once per this period. @default 30s (jose) */
    refetch_cooldown: duration.default(30_000),
    /** Retry period after a failed fetch when no keys are cached yet. @default 1s (Envoy) */
    failed_refetch_duration: duration.default(1_000),
  })
  .superRefine((r, ctx) => {
    if ((r.uri === undefined) === (r.cluster === undefined))
      ctx.addIssue({ code: 'custom', message: 'set exactly one of uri, cluster' })
    if ((r.cluster === undefined) !== (r.path === undefined))
      ctx.addIssue({ code: 'custom', message: 'path goes with cluster (and only with it)' })
  })

/** An HMAC shared secret: from a Worker secret binding (recommended) or inline (tests, development). */
export const hmacSecret = z
  .strictObject({
    /** Name of a Worker secret (`wrangler secret put NAME`) holding the key; read per isolate. */
    env: bindingName.optional(),
    /** The key itself. It is stored in KV with the route table in clear: use `env` in production. */
    inline: z.string().min(1).optional(),
    /** How the secret string encodes the key bytes. @default utf8 */
    encoding: z.enum(['utf8', 'base64url']).default('utf8'),
  })
  .superRefine((s, ctx) => {
    if ((s.env === undefined) === (s.inline === undefined)) ctx.addIssue({ code: 'custom', message: 'set exactly one of env, inline' })
    if (s.inline !== undefined && !secretBytes(s.inline, s.encoding))
      ctx.addIssue({ code: 'custom', message: 'inline is not valid base64url' })
  })
