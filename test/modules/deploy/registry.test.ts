import { describe, expect, test } from "vitest";
import { findModule } from "../../../src/modules/registry.js";

describe("the deployment modules are registered", () => {
  test.each([
    ["docker_compose", "docker_compose"],
    ["community.docker.docker_compose_v2", "docker_compose"],
    ["community.docker.docker_login", "docker_login"],
    ["docker_network", "docker_network"],
    ["community.docker.docker_volume", "docker_volume"],
    ["ansible.builtin.uri", "uri"],
    ["ansible.builtin.wait_for", "wait_for"],
    ["community.general.archive", "archive"],
    ["ansible.builtin.unarchive", "unarchive"],
    ["tls_check", "tls_check"],
    ["mkcert", "mkcert"],
  ])("%s -> %s", (name, expected) => {
    expect(findModule(name)?.name).toBe(expected);
  });
});
