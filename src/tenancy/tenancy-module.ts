import type { Config } from '../config.js';
import type { Module } from '../server/module.js';
import { TenantRegistry } from './tenant-registry.js';

/** The tenants of API_KEYS_FILE, and the default tenant that API_API_KEY (or no auth) stands for. */
export function createTenancyModule(config: Config): Module<TenantRegistry> {
  return { api: new TenantRegistry(config.api.tenants, config.api.apiKey, { monthlyBudgetUsd: config.monthlyBudgetUsd ?? null }) };
}
