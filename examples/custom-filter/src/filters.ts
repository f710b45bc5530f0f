/** The filters this project adds, for `legate validate|push --filters src/filters.ts` and for the entry. */
import { requireTenant } from './require-tenant.ts'

export const filters = [requireTenant]
