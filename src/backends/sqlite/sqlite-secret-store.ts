import type Database from 'better-sqlite3';
import type { SecretStore, StoredSecret } from '../../secrets/secret-types.js';

/** Secrets in the `secrets` table (migration 10), in the main database file; ciphertext only. */
export class SqliteSecretStore implements SecretStore {
  private readonly getStmt;
  private readonly listStmt;
  private readonly listAllStmt;
  private readonly deleteStmt;
  private readonly resealStmt;
  private readonly putTx;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string, string], StoredSecret>('SELECT * FROM secrets WHERE tenant_id = ? AND name = ?');
    this.listStmt = db.prepare<[string], StoredSecret>('SELECT * FROM secrets WHERE tenant_id = ? ORDER BY name ASC');
    this.listAllStmt = db.prepare<[], StoredSecret>('SELECT * FROM secrets');
    this.deleteStmt = db.prepare<[string, string]>('DELETE FROM secrets WHERE tenant_id = ? AND name = ?');
    this.resealStmt = db.prepare<[string, string, string, string]>('UPDATE secrets SET ciphertext = ? WHERE tenant_id = ? AND name = ? AND ciphertext = ?');
    const insertStmt = db.prepare<[StoredSecret]>(
      'INSERT INTO secrets (tenant_id, name, ciphertext, created_at, updated_at) VALUES (@tenant_id, @name, @ciphertext, @created_at, @updated_at)',
    );
    const replaceStmt = db.prepare<[string, string, string, string]>('UPDATE secrets SET ciphertext = ?, updated_at = ? WHERE tenant_id = ? AND name = ?');
    this.putTx = db.transaction((secret: StoredSecret): { created: boolean; secret: StoredSecret } => {
      const existing = this.getStmt.get(secret.tenant_id, secret.name);
      if (!existing) {
        insertStmt.run(secret);
        return { created: true, secret: { ...secret } };
      }
      replaceStmt.run(secret.ciphertext, secret.updated_at, secret.tenant_id, secret.name);
      return { created: false, secret: { ...secret, created_at: existing.created_at } };
    });
  }

  async put(secret: StoredSecret): Promise<{ created: boolean; secret: StoredSecret }> {
    return this.putTx.immediate(secret);
  }

  async get(tenantId: string, name: string): Promise<StoredSecret | null> {
    return this.getStmt.get(tenantId, name) ?? null;
  }

  async list(tenantId: string): Promise<StoredSecret[]> {
    return this.listStmt.all(tenantId);
  }

  async listAll(): Promise<StoredSecret[]> {
    return this.listAllStmt.all();
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return this.deleteStmt.run(tenantId, name).changes === 1;
  }

  async reseal(tenantId: string, name: string, expected: string, ciphertext: string): Promise<boolean> {
    return this.resealStmt.run(ciphertext, tenantId, name, expected).changes === 1;
  }
}
