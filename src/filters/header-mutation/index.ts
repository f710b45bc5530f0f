/** @module header_mutation filter: public surface. */
export { headerMutationFilter } from './filter.ts'
export {
  headerMutationConfig,
  mutation,
  queryParameterMutations,
  type HeaderMutationConfig,
} from './config.ts'
