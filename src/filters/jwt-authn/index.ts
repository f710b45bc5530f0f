/** @module jwt_authn filter: public surface. */
export { jwtAuthnFilter, type JwtAuthnState } from './filter.ts'
export { JWT_AUTHN_ERRORS, jwtAuthnConfig, jwtProvider, type JwtAuthnConfig, type JwtProviderConfig } from './config.ts'
export { requirement, type Requirement } from './requirement-config.ts'
export { ALGORITHMS, type Algorithm } from './keys.ts'
export type { DenyReason } from './token.ts'
