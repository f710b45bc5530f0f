/** @module ip_filter filter: public surface. */
export { ipFilterFilter, type IpFilterState } from './filter.ts'
export { IP_FILTER_STATS, ipFilterConfig, type IpFilterConfig, type IpRuleList } from './config.ts'
