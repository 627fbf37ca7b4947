// The real switchboard binary on a free port with a temp database, and a twilio client whose
// domains point at it (each domain's baseUrl under the product's own path prefix, as the README's
// recipe says).
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import twilio from "twilio";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOMAINS = [["api", "api"], ["taskrouter", "taskrouter"], ["studio", "studio"],
  ["flexApi", "flex-api"], ["conversations", "conversations"]];

export async function start(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-sdk-node-"));
  const bin = process.env.SWITCHBOARD_BIN ?? join(REPO, "target", "debug", "switchboard");
  const log = openSync(join(dir, "server.log"), "w");
  const proc = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--db", join(dir, "sdk.db")], {
    env: { ...process.env, RUST_LOG: "warn", ...env },
    stdio: ["ignore", "pipe", log],
  });
  const found = {};
  const lines = createInterface({ input: proc.stdout });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("switchboard did not start")), 30000);
    lines.on("line", (line) => {
      let m;
      if ((m = line.match(/switchboard is running at (http:\/\/\S+)/))) found.base = m[1];
      if ((m = line.match(/^\s*Account SID:\s+(AC[0-9a-f]{32})/))) found.sid = m[1];
      if ((m = line.match(/^\s*Auth Token:\s+([0-9a-f]{32})/))) found.token = m[1];
      if (found.base && found.sid && found.token) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    ...found,
    client() {
      const c = twilio(found.sid, found.token);
      for (const [name, prefix] of DOMAINS) c[name].baseUrl = `${found.base}/${prefix}`;
      return c;
    },
    stop() {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `f` until it returns something truthy or `ms` pass. */
export async function waitFor(f, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
