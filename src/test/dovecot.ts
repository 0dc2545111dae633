import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";

export const dovecotBinary = "/usr/sbin/dovecot";
/** Tests that need an IMAP server skip with this reason when Debian's dovecot-imapd is not installed. */
export const dovecotMissing = existsSync(dovecotBinary) ? null : `${dovecotBinary} is absent: install dovecot-imapd (.ci/run does) to run the IMAP tests`;

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Adds a message to a folder (IMAP APPEND); returns its UID. */
  append(raw: string | Buffer, folder?: string): Promise<number>;
  /** Deletes and recreates a folder, so it gets a new UIDVALIDITY. */
  recreate(folder: string): Promise<void>;
  /** Stops the server and starts it again on the same port with the same mail (a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function uidOf(name: string): Promise<{ uid: number; gid: number } | null> {
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  const line = passwd.split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A throwaway Dovecot IMAP server on a loopback port: its own config, passwd-file user and maildir in a temp folder,
 * not the system service. As root, mail is kept as the `dovecot` system user (Dovecot will not run mail as root).
 */
export async function startDovecot(): Promise<Dovecot> {
  if (dovecotMissing) throw new Error(dovecotMissing);
  const dir = await mkdtemp(join(tmpdir(), "rapport-dovecot-"));
  const port = await freePort();
  const user = "support@example.test";
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const me = userInfo();
  const root = me.uid === 0;
  const owner = root ? await uidOf("dovecot") : { uid: me.uid, gid: me.gid };
  if (!owner) throw new Error("No dovecot system user to keep the test mail as");
  const loginUser = root ? "dovenull" : me.username;
  // mkdtemp makes the folder private; Dovecot's login and mail processes run as other users and must reach it.
  await chmod(dir, 0o755);
  for (const sub of ["run", "state", "mail", "home"]) await mkdir(join(dir, sub), { recursive: true });
  const config = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
default_login_user = ${loginUser}
default_internal_user = ${root ? "dovecot" : me.username}
default_internal_group = ${root ? "dovecot" : me.username}
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/home/%u
}
`;
  await writeFile(join(dir, "dovecot.conf"), config);
  await writeFile(join(dir, "passwd"), `${user}:{PLAIN}${password}\n`);
  if (root) for (const sub of ["mail", "home"]) await chown(join(dir, sub), owner.uid, owner.gid);

  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(dovecotBinary, ["-F", "-c", join(dir, "dovecot.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child = proc;
    // Ready when it accepts an IMAP login; dovecot takes a moment to spawn its services.
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`dovecot exited: ${stderr}${await readFile(join(dir, "dovecot.log"), "utf8").catch(() => "")}`);
      const ok = await connectOnce().then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (i > 300) throw new Error(`dovecot did not accept logins on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const connectOnce = async () => {
    const c = client();
    await c.connect();
    await c.logout();
  };
  const client = () => {
    const c = new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
      greetingTimeout: 30_000,
      connectionTimeout: 30_000,
    });
    c.on("error", () => {});
    return c;
  };
  const stopChild = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    await exited;
    child = null;
  };
  await start();
  const withClient = async <T>(work: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = client();
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.logout();
    }
  };
  return {
    host: "127.0.0.1",
    port,
    user,
    password,
    append: (raw, folder = "INBOX") =>
      withClient(async (c) => {
        const r = await c.append(folder, raw);
        const uid = r ? r.uid : undefined;
        if (!uid) throw new Error("APPEND returned no UID");
        return uid;
      }),
    recreate: (folder) =>
      withClient(async (c) => {
        await c.mailboxDelete(folder).catch(() => undefined);
        await c.mailboxCreate(folder);
      }),
    async restart() {
      await stopChild();
      await start();
    },
    async stop() {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
