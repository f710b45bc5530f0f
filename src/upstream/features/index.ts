/** @module The cluster features, in order (config fields, outcome folding, hooks and status follow it), and the types they merge into the core. */
import type { AnyFeature, FeatureTypes } from '../feature.ts'
import { type BreakerTypes, failureRateBreakerFeature } from './failure-rate-breaker.ts'
import { type HealthCheckTypes, healthCheckFeature } from './health-check.ts'
import { outlierDetectionFeature, type OutlierTypes } from './outlier-detection.ts'

const FEATURES = [failureRateBreakerFeature, outlierDetectionFeature, healthCheckFeature] as const
/** Every cluster feature. A new one is a file in this folder, an entry in FEATURES and its types in `Types`. */
export const CLUSTER_FEATURES: readonly AnyFeature[] = FEATURES

type Types = BreakerTypes | OutlierTypes | HealthCheckTypes

type Intersect<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never
/** What every feature adds under `K` (see FeatureTypes), merged. */
export type Merged<K extends keyof FeatureTypes> = Intersect<Types extends infer T ? (T extends { [P in K]: infer V } ? V : never) : never>

/** The config fields of every feature, for the cluster schema. */
export const featureFields = Object.assign({}, ...FEATURES.map((f) => f.fields)) as Intersect<(typeof FEATURES)[number]['fields']>
