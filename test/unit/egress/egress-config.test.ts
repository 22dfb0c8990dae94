import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { loadKeysFile } from '../../../src/tenancy/keys-file.js';

const base = { CLAUDE_API_KEY: 'sk-test' };
const KEY_HASH = 'a'.repeat(64);

describe('egress configuration', () => {
  it('allows nothing but the model by default, and no private targets', () => {
    expect(loadConfig(base, '/srv/app').egress).toEqual({ allow: [], allowPrivate: false });
  });

  it('reads AGENT_EGRESS_ALLOW and AGENT_EGRESS_ALLOW_PRIVATE', () => {
    const config = loadConfig({ ...base, AGENT_EGRESS_ALLOW: ' registry.npmjs.org:443, *.github.com ,', AGENT_EGRESS_ALLOW_PRIVATE: 'true' }, '/srv/app');
    expect(config.egress.allow.map((p) => p.text)).toEqual(['registry.npmjs.org:443', '*.github.com']);
    expect(config.egress.allowPrivate).toBe(true);
  });

  it('names every bad AGENT_EGRESS_ALLOW entry at start-up', () => {
    try {
      loadConfig({ ...base, AGENT_EGRESS_ALLOW: 'ok.example.com,http://x.com,a.com:99999' }, '/srv/app');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems.join('\n')).toMatch(/AGENT_EGRESS_ALLOW: "http:\/\/x.com"[\s\S]*AGENT_EGRESS_ALLOW: "a.com:99999"/);
    }
  });

  it("reads a tenant's egress_allow from the keys file (absent: the server default; bad entries named)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-keys-'));
    try {
      const file = path.join(dir, 'keys.yaml');
      writeFileSync(
        file,
        [
          'tenants:',
          '  - id: a',
          `    key_sha256: [${KEY_HASH}]`,
          '    egress_allow: ["pypi.org:443", "*.pythonhosted.org"]',
          '  - id: b',
          `    key_sha256: [${'b'.repeat(64)}]`,
        ].join('\n'),
      );
      const { tenants, problems } = loadKeysFile(file);
      expect(problems).toEqual([]);
      expect(tenants[0]!.egressAllow?.map((p) => p.text)).toEqual(['pypi.org:443', '*.pythonhosted.org']);
      expect(tenants[1]!.egressAllow).toBeNull();
      writeFileSync(file, ['tenants:', '  - id: a', `    key_sha256: [${KEY_HASH}]`, '    egress_allow: ["bad host"]'].join('\n'));
      expect(loadKeysFile(file).problems).toEqual([expect.stringMatching(/tenant "a" egress_allow: "bad host"/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
