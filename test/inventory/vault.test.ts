// vaulted/group_vars/web/vault.yml was encrypted with Debian's ansible-vault 2.14; with the
// password, `ansible-inventory -i vaulted --host w1` printed the vars asserted below.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isTsibleError } from "../../src/errors.js";
import { loadInventory } from "../../src/inventory/index.js";
import { decryptText, encryptText, VaultKeyring } from "../../src/vault/index.js";
import { writeTree } from "./write-tree.js";

const vaulted = join(import.meta.dirname, "fixtures", "vaulted");

describe("vault-encrypted vars files", () => {
  it("are opened through the decrypt hook", () => {
    const keyring = new VaultKeyring();
    keyring.add("default", "inventory-test-password", "test");
    const seen: string[] = [];
    const inventory = loadInventory([vaulted], {
      decrypt: (text, file) => {
        seen.push(file);
        return decryptText(text, keyring, file);
      },
    });
    expect(inventory.hostVars("w1")).toMatchObject({
      db_password: "s3cret-from-vault",
      plain: "visible",
      port: 5432,
    });
    expect(seen).toEqual([join(vaulted, "group_vars/web/vault.yml")]);
  });

  it("fail clearly, naming the file, when no password was given", () => {
    let error: unknown;
    try {
      loadInventory([vaulted]);
    } catch (err) {
      error = err;
    }
    expect(isTsibleError(error)).toBe(true);
    expect((error as Error).message).toBe("file is vault-encrypted and no vault password was given");
    expect(isTsibleError(error) && error.kind).toBe("vault");
    expect(isTsibleError(error) && error.location?.file).toBe(join(vaulted, "group_vars/web/vault.yml"));
  });

  it("may hold the inventory file itself", () => {
    const keyring = new VaultKeyring();
    keyring.add("default", "inventory-test-password", "test");
    const inventoryText = "[db]\ndb1 port=5432\n";
    const dir = writeTree({ hosts: encryptText(inventoryText, "inventory-test-password") });
    const inventory = loadInventory([join(dir, "hosts")], {
      decrypt: (text, file) => decryptText(text, keyring, file),
    });
    expect(inventory.match("db")).toEqual(["db1"]);
    expect(inventory.hostVars("db1")).toMatchObject({ port: 5432 });
  });
});
