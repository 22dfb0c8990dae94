import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScriptedModel } from '../../src/dev/scripted-model/index.js';
import { RedisProcess } from './redis-process.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface InstancePair {
  a: TestServer;
  b: TestServer;
  redis: RedisProcess;
  close(): Promise<void>;
}

/**
 * Two real instances (each its own app, scheduler and agent processes) on one real redis-server
 * and one WORKSPACE_ROOT, as behind a load balancer. `start` builds each server from its
 * environment (by default a test server on one scripted model shared by both).
 */
export async function startInstancePair(
  prefix: string,
  env: Record<string, string>,
  start?: (env: Record<string, string>) => Promise<TestServer>,
): Promise<InstancePair> {
  const redis = await RedisProcess.start();
  const model = start ? null : await startScriptedModel();
  const shared = await mkdtemp(path.join(tmpdir(), `ccs-${prefix}-shared-`));
  const startOne = start ?? ((serverEnv: Record<string, string>) => startTestServer(serverEnv, model!));
  const envOf = (name: string) => ({
    STORAGE_TYPE: 'redis',
    STORAGE_REDIS_URL: redis.url,
    STORAGE_REDIS_PREFIX: prefix,
    WORKSPACE_ROOT: path.join(shared, 'workspaces'),
    INSTANCE_ID: name,
    WARM_POOL_SIZE: '0',
    ...env,
  });
  const a = await startOne(envOf('instance-a'));
  const b = await startOne(envOf('instance-b'));
  return {
    a,
    b,
    redis,
    close: async () => {
      await a.close();
      await b.close();
      await model?.close();
      await redis.close();
      await rm(shared, { recursive: true, force: true });
    },
  };
}
