import { LuaScript } from './lua-script.js';

/**
 * The Redis store's Lua (lua/*.lua; each file's header names its KEYS and ARGV). Writes that
 * must be atomic (insert-if-absent, patch plus index upkeep, seq-checked append, retention,
 * outbox claims) are scripts; every script that writes a task's record, events or diff starts
 * with the one fence check (lua/includes/fence-check.lua). Indexes are prefix-wide keys that
 * no hash tag places with the task, so these scripts need one Redis primary, not Cluster.
 */
export const INSERT_TASK = LuaScript.load('insert-task');
export const UPDATE_TASK = LuaScript.load('update-task');
export const PRUNE_FINISHED = LuaScript.load('prune-finished');
export const APPEND_EVENT = LuaScript.load('append-event');
export const SAVE_DIFF = LuaScript.load('save-diff');
export const TENANT_SPEND = LuaScript.load('tenant-spend');
export const INSERT_DELIVERY = LuaScript.load('insert-delivery');
export const UPDATE_DELIVERY = LuaScript.load('update-delivery');
export const CLAIM_DUE_DELIVERIES = LuaScript.load('claim-due-deliveries');
export const INSERT_SESSION = LuaScript.load('insert-session');
export const UPDATE_SESSION = LuaScript.load('update-session');
export const DELETE_SESSION = LuaScript.load('delete-session');
